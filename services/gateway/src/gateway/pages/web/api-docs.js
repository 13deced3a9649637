// Starts Swagger UI or ReDoc from a file of the gateway's own, as its content security policy
// allows. ReDoc gets its page's style nonce from a data attribute: browsers hide `nonce` itself.
const redoc = document.getElementById("redoc");
if (redoc) {
  Redoc.init("/openapi.json", { nonce: redoc.dataset.styleNonce }, redoc);
} else {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
}
