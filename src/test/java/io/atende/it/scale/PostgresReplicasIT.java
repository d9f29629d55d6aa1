package io.atende.it.scale;

/**
 * Two replicas on the default PostgreSQL transport, sharing one database: the same load, kill and checks as
 * {@link KafkaReplicasIT}. Leases hand the dead replica's turns and stored replies to the survivor.
 */
class PostgresReplicasIT extends ReplicaLoadCheck {

    @Override
    String transport() {
        return "postgres";
    }
}
