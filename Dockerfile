# Atende container image.
#   docker build -t atende .
#   docker run -p 8080:8080 -v atende-data:/data atende      # embedded PostgreSQL in /data
# With an external PostgreSQL set ATENDE_DB_URL / ATENDE_DB_USER / ATENDE_DB_PASSWORD (see docker-compose.yml).

# ---- build ------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so that a code change does not download them again.
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -DskipTests package

# ---- runtime ----------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# The temurin images are Ubuntu based and ship wget and curl; the HEALTHCHECK below uses wget.
RUN groupadd --system --gid 10001 atende \
 && useradd --system --uid 10001 --gid atende --home-dir /app --no-create-home --shell /usr/sbin/nologin atende \
 && mkdir -p /app /data \
 && chown atende:atende /data

WORKDIR /app
# target/atende.jar finds its dependencies through the Class-Path of its manifest (lib/...).
COPY --from=build /src/target/lib/ /app/lib/
COPY --from=build /src/target/atende.jar /app/atende.jar

# Embedded PostgreSQL data and the generated webhook token live here (unless ATENDE_DB_URL points elsewhere).
# JVM sized for a container memory limit (512 MiB in docker-compose.yml, see docs/sizing.md): the heap takes at most
# 60% of the limit, metaspace is capped, the serial GC has the smallest footprint, and an OutOfMemoryError ends the
# process so that the restart policy brings it back (all work waits in PostgreSQL).
ENV ATENDE_DATA_DIR=/data \
    ATENDE_HTTP_PORT=8080 \
    JAVA_OPTS="-XX:MaxRAMPercentage=60 -XX:MaxMetaspaceSize=128m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
VOLUME /data

# Nothing here needs root.
USER atende
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD wget -qO- "http://127.0.0.1:${ATENDE_HTTP_PORT}/observe/health/ready" > /dev/null || exit 1

# exec: the JVM is PID 1 and receives SIGTERM, so Camel shuts down gracefully (ATENDE_SHUTDOWN_S).
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/atende.jar \"$@\"", "atende"]
