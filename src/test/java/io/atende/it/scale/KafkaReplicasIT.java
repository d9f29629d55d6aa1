package io.atende.it.scale;

/**
 * Two replicas on the Kafka transport (ATENDE_QUEUE=kafka) with a real KRaft broker: a SIGKILLed replica loses
 * nothing acknowledged, every message is answered once and in order, the LLM cap holds across both, and with
 * the broker gone a webhook gets 503.
 */
class KafkaReplicasIT extends ReplicaLoadCheck {

    @Override
    String transport() {
        return "kafka";
    }
}
