#!/bin/sh
# Starts the runner agent. Its credential comes from MODELHUB_RUNNER_CREDENTIAL (Kubernetes: a Secret), or else from
# the file the enrolment step of docker/compose.yaml wrote for this runner's name into RUNNER_CREDENTIALS.
set -eu
if [ -z "${MODELHUB_RUNNER_CREDENTIAL:-}" ] && [ -n "${RUNNER_CREDENTIALS:-}" ]; then
    file="$RUNNER_CREDENTIALS/${MODELHUB_RUNNER_NAME:?set MODELHUB_RUNNER_NAME: it names the credential file}"
    if [ ! -s "$file" ]; then
        echo "No runner credential in $file: the enrolment step issues one per name in RUNNER_NAMES" >&2
        exit 2
    fi
    MODELHUB_RUNNER_CREDENTIAL="$(cat "$file")"
    export MODELHUB_RUNNER_CREDENTIAL
fi
# exec: the agent is PID 1 and gets the SIGTERM of a stop, on which it gives its job back to the queue.
exec java ${JAVA_OPTS:-} -jar /app/runner.jar
