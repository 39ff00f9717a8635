# counts.jq - per recipient domain, messages by result and by reason and
# the recipients, straight from the milter's JSON log: the reference for
# mtasts-report.
reduce (inputs | select(.event == "message") | .domains[]?) as $d ({};
  .[$d.domain].results[$d.result] += 1
  | .[$d.domain].rcpts += $d.rcpts
  | .[$d.domain].reasons += {}
  | reduce ($d.reasons[]?) as $r (.; .[$d.domain].reasons[$r] += 1))
