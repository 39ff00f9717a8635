# tlsrpt.jq - check one report against the RFC 8460 section 4.4 field list
# (types, required members, registered result-types, one whole UTC day).
# Prints one line per problem; nothing when the report is valid.
def str: type == "string";
def count: type == "number" and . == floor and . >= 0;
def stamp: str and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$");
def need(cond; what): if cond then empty else "bad or missing \(what)" end;
def types: ["starttls-not-supported", "certificate-host-mismatch",
  "certificate-expired", "certificate-not-trusted", "validation-failure",
  "tlsa-invalid", "dnssec-invalid", "dane-required",
  "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"];
def detail:
  need(."result-type" as $t | types | index($t) != null; "result-type"),
  need(."sending-mta-ip" | str and length > 0; "sending-mta-ip"),
  need((."receiving-mx-hostname" // "") | str; "receiving-mx-hostname"),
  need((."receiving-ip" // "") | str; "receiving-ip"),
  need(."failed-session-count" | count and . > 0; "failed-session-count"),
  need((."failure-reason-code" // "") | str; "failure-reason-code");
def policy:
  need(.policy."policy-type" | . == "sts" or . == "tlsa" or . == "no-policy-found"; "policy-type"),
  need(.policy."policy-string" | type == "array" and all(.[]; str); "policy-string"),
  need(.policy."policy-domain" | str and length > 0; "policy-domain"),
  need(.policy."mx-host" | type == "array" and all(.[]; str); "mx-host"),
  need(.summary."total-successful-session-count" | count; "total-successful-session-count"),
  need(.summary."total-failure-session-count" | count; "total-failure-session-count"),
  need(."failure-details" | type == "array"; "failure-details"),
  need(([."failure-details"[]?."failed-session-count"] | add // 0)
    >= .summary."total-failure-session-count"; "failure-details covering every failed session"),
  (."failure-details"[]? | detail);
need(."organization-name" | str and length > 0; "organization-name"),
need(."date-range"."start-datetime" | stamp; "start-datetime"),
need(."date-range"."end-datetime" | stamp; "end-datetime"),
need(."date-range" | (."start-datetime" | endswith("T00:00:00Z")) and
  (."end-datetime" | endswith("T23:59:59Z")) and
  ."start-datetime"[0:10] == ."end-datetime"[0:10]; "date-range of one UTC day"),
need(."contact-info" | str and test("^[^@ ]+@[^@ ]+$"); "contact-info"),
need(."report-id" | str and length > 0; "report-id"),
need(.policies | type == "array" and length > 0; "policies"),
(.policies[]? | policy),
(keys - ["organization-name", "date-range", "contact-info", "report-id",
  "policies"] | .[] | "unknown member \(.)")
