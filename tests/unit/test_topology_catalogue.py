"""The catalogue every service declares is exactly the set of queues the services consume."""

from faststream.rabbit.subscriber.usecase import RabbitSubscriber

from audit.app import create_app as create_audit
from escalation.app import create_app as create_escalation
from gateway.app import create_app as create_gateway
from memory.app import create_app as create_memory
from orchestrator.app import create_app as create_orchestrator
from retrieval.app import create_app as create_retrieval
from support_core.messaging.catalogue import BINDINGS

FACTORIES = (
    create_audit,
    create_escalation,
    create_gateway,
    create_memory,
    create_orchestrator,
    create_retrieval,
)


def test_the_catalogue_lists_every_durable_queue_the_services_consume_and_no_other() -> None:
    consumed = set()
    for create in FACTORIES:
        runtime = create().state.runtime
        for subscriber in runtime.broker.subscribers:
            if isinstance(subscriber, RabbitSubscriber) and subscriber.queue.durable:
                consumed.add((subscriber.queue.name, subscriber.queue.routing()))
    assert consumed == {(binding.queue, binding.routing_key) for binding in BINDINGS}
