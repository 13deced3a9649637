{{/* Labels of every object of one service. */}}
{{- define "support.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: support
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* Labels that select one service's pods. */}}
{{- define "support.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: support
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels of objects shared by every service. */}}
{{- define "support.commonLabels" -}}
app.kubernetes.io/part-of: support
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The service's Secret. */}}
{{- define "support.secretName" -}}
{{ .root.Values.secretPrefix }}-{{ .name }}
{{- end -}}

{{/* Whether KEDA scales this service (it has queues and KEDA is on). */}}
{{- define "support.keda" -}}
{{- if and .root.Values.keda.enabled .svc.autoscaling.queues -}}true{{- end -}}
{{- end -}}
