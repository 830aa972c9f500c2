#!/bin/sh
# One-shot enrolment for docker/compose.yaml: issues a runner credential for each name in RUNNER_NAMES with the admin
# token, and keeps each in RUNNER_CREDENTIALS/<name> for the runner of that name. A name that has one already is
# skipped, so a restart issues nothing new. Only this step sees the admin token; runners see their own credential.
set -eu
: "${HUB_URL:?set HUB_URL to the hub}" "${ADMIN_TOKEN:?set ADMIN_TOKEN to an admin API token (MODELHUB_ADMIN_TOKEN)}"
: "${RUNNER_CREDENTIALS:?set RUNNER_CREDENTIALS to the folder shared with the runners}" "${RUNNER_NAMES:?}"
umask 077
for name in $RUNNER_NAMES; do
    file="$RUNNER_CREDENTIALS/$name"
    if [ -s "$file" ]; then
        echo "runner $name: credential issued before, kept"
        continue
    fi
    answer=$(curl -fsS -X POST "$HUB_URL/api/runner-credentials" -H "Authorization: Bearer $ADMIN_TOKEN" \
        -H 'Content-Type: application/json' -d "{\"name\": \"$name\"}")
    credential=$(printf '%s' "$answer" | sed -n 's/.*"credential" *: *"\(mhr_[A-Za-z0-9]*\)".*/\1/p')
    if [ -z "$credential" ]; then
        echo "runner $name: the hub answered no credential: $answer" >&2
        exit 1
    fi
    printf '%s' "$credential" > "$file.tmp" && mv "$file.tmp" "$file"
    echo "runner $name: credential issued"
done
