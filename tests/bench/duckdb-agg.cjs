// duckdb-agg.cjs - the comparison for bench.sh: DuckDB computes from the
// milter's JSON log what mtasts-report aggregates (messages and recipients
// per recipient domain, sending domain, day, result and reasons; the
// report's sender is the sending domain with its PTR's registered domain,
// which DuckDB has no Public Suffix List for) and prints the per-domain
// message counts by result and by reason and the recipients, as
// counts.jq does, to check them.
// usage: NODE_PATH=DIR/node_modules node duckdb-agg.cjs LOG THREADS
// (DIR: where `npm install @duckdb/node-api` ran, outside the source tree)
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

async function main(log, threads) {
	const db = await DuckDBInstance.create(':memory:', { threads: threads });
	const con = await db.connect();
	const path = log.replace(/'/g, "''");
	await con.run(`CREATE TABLE agg AS
	    SELECT d.domain AS domain, mail_from_domain AS sender,
	        CAST(ts AS DATE) AS day, d.result AS result,
	        d.reasons AS reasons,
	        count(*) AS messages, sum(d.rcpts) AS rcpts
	    FROM (SELECT ts, mail_from_domain, unnest(domains) AS d
	        FROM read_json('${path}', format = 'newline_delimited',
	            columns = {ts: 'TIMESTAMP', event: 'VARCHAR',
	                mail_from_domain: 'VARCHAR',
	                domains: 'STRUCT(domain VARCHAR, rcpts BIGINT,
	                    result VARCHAR, reasons VARCHAR[])[]'})
	        WHERE event = 'message')
	    GROUP BY ALL`);
	const out = {};
	const dom = (d) => (out[d] = out[d] || { results: {}, reasons: {}, rcpts: 0 });
	const r = await con.runAndReadAll(`SELECT domain, result,
	    CAST(sum(messages) AS BIGINT), CAST(sum(rcpts) AS BIGINT)
	    FROM agg GROUP BY ALL`);
	for (const [domain, result, n, rcpts] of r.getRows()) {
		dom(domain).results[result] = Number(n);
		dom(domain).rcpts += Number(rcpts);
	}
	const s = await con.runAndReadAll(`SELECT domain, reason,
	    CAST(sum(messages) AS BIGINT)
	    FROM (SELECT domain, unnest(reasons) AS reason, messages FROM agg)
	    GROUP BY ALL`);
	for (const [domain, reason, n] of s.getRows())
		dom(domain).reasons[reason] = Number(n);
	const g = await con.runAndReadAll('SELECT count(*) FROM agg');
	process.stderr.write(`duckdb: ${g.getRows()[0][0]} domain/sender/day/result/reasons groups\n`);
	process.stdout.write(JSON.stringify(out) + '\n');
}

main(process.argv[2], process.argv[3] || '2').catch((e) => {
	process.stderr.write(`duckdb: ${e.message}\n`);
	process.exit(1);
});
