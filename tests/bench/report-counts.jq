# report-counts.jq - the same counts as counts.jq, taken from
# `mtasts-report --format json`, to compare the two.
[.domains[] | {key: .domain, value: {
  results: (.messages | del(.total)
    | with_entries(select(.value > 0) | .key |= gsub("_"; "-"))),
  rcpts: .rcpts,
  reasons: ([.reasons[] | select(.messages > 0)
    | {key: .reason, value: .messages}] | from_entries)}}]
| from_entries
