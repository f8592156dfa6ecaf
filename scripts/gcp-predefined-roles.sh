#!/usr/bin/env bash
# Regenerates analyzers/src/gcp/predefined_roles.json from Google's live role data.
# Needs gcloud (authenticated) and jq. For each predefined role the current file lists,
# keeps the permissions that pathwarden's GCP rules and admin checks name (the rules'
# permission list is read from analyzers/src/gcp/rules.rs and the admin permissions).
#   scripts/gcp-predefined-roles.sh > analyzers/src/gcp/predefined_roles.json.new
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
current="$here/analyzers/src/gcp/predefined_roles.json"
wanted=$( { grep -o '"[a-z]*\.[a-zA-Z]*\.[a-zA-Z]*"' "$here/analyzers/src/gcp/rules.rs" "$here/analyzers/src/gcp/engine.rs";
            jq -r 'to_entries[] | select(.value|type=="array") | .value[]' "$current" | sed 's/.*/"&"/'; } \
          | tr -d '"' | sort -u | jq -R . | jq -s .)
jq -r 'to_entries[] | select(.value|type=="array") | .key' "$current" | while read -r role; do
  gcloud iam roles describe "$role" --format=json \
    | jq --argjson wanted "$wanted" --arg role "$role" \
        '{($role): [(.includedPermissions // [])[] | select(. as $p | $wanted | index($p))]}'
done | jq -s --arg src "$(jq -r ._source "$current")" 'add + {"_source": $src}'
