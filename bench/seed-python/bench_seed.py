"""Times the seed's routing engine (routing.py beside this file) on the shared workloads, so that
bench/run.ts can put its figures side by side with ours, measured on the same machine at the same
time. Prints one JSON object.

usage: python3 bench_seed.py MODE WORKLOAD.jsonl[.gz] ROSTER PERSONAS_JSON [--runs N] [--decisions N]
  MODE     score  recommend_agent with the audit log switched off
           log    recommend_agent as the seed runs it (one connection and one commit per decision)
           stats  get_agent_stats and export_audit_log after --decisions decisions are logged
  ROSTER   "personas" or a roster JSON file
"""
import gzip
import json
import os
import statistics
import sys
import tempfile
import time


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    mode, workload, roster, personas_json = sys.argv[1:5]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    decisions = int(sys.argv[sys.argv.index("--decisions") + 1]) if "--decisions" in sys.argv else 100_000
    tmp = tempfile.mkdtemp(prefix="seed-bench-")
    os.environ["SWARM_SEED_DB"] = os.path.join(tmp, "swarm.db")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import routing  # noqa: E402  (DB_PATH is read at import)

    with open(personas_json, encoding="utf-8") as f:
        personas = json.load(f)["agents"]
    routing.PERSONAS.update({
        p["agent_id"]: {
            "name": p["agent_name"],
            "capabilities": ",".join(p["capabilities"]),
            "preferred_keywords": p["keywords"],
            "rate_sats": p["rate_sats"],
        }
        for p in personas
    })

    def new_engine(db_name):
        routing.DB_PATH = routing.Path(os.path.join(tmp, db_name))
        engine = routing.RoutingEngine()
        if roster == "personas":
            for p in personas:
                engine.register_persona(p["agent_id"], p["agent_id"])
        else:
            with open(roster, encoding="utf-8") as f:
                for a in json.load(f)["agents"]:
                    engine.register_custom_manifest(routing.CapabilityManifest(
                        agent_id=a["agent_id"], agent_name=a["agent_name"], capabilities=a["capabilities"],
                        keywords=a["keywords"], rate_sats=a["rate_sats"]))
        return engine

    tasks = [(t["task_id"], t["description"], {b["agent_id"]: b["bid_sats"] for b in t["bids"]})
             for t in read_lines(workload)]
    result = {"mode": mode, "tasks": len(tasks), "python": sys.version.split()[0]}

    if mode in ("score", "log"):
        rates = []
        for run in range(runs):
            engine = new_engine(f"run{run}.db")
            if mode == "score":
                engine._log_decision = lambda decision: None
            started = time.perf_counter()
            for task_id, description, bids in tasks:
                engine.recommend_agent(task_id, description, bids)
            rates.append(len(tasks) / (time.perf_counter() - started))
        result["decisions_per_s"] = statistics.median(rates)
        result["runs"] = rates
    elif mode == "stats":
        # Fill the seed's table with `decisions` rows exactly as _log_decision writes them, in one
        # transaction: logging them one commit at a time would take minutes and change nothing read.
        engine = new_engine("stats.db")
        engine._log_decision = lambda decision: None
        rows = []
        while len(rows) < decisions:
            for task_id, description, bids in tasks:
                if len(rows) == decisions:
                    break
                _, d = engine.recommend_agent(f"{task_id}-{len(rows)}", description, bids)
                task_hash = routing.hashlib.sha256(f"{d.task_id}:{d.timestamp}".encode()).hexdigest()[:16]
                rows.append((d.task_id, task_hash, d.selected_agent, d.selection_reason,
                             json.dumps(d.to_dict()), d.timestamp))
        conn = routing.sqlite3.connect(str(routing.DB_PATH))
        conn.executemany("""INSERT INTO routing_decisions
            (task_id, task_hash, selected_agent, selection_reason, decision_json, created_at)
            VALUES (?, ?, ?, ?, ?, ?)""", rows)
        conn.commit()
        conn.close()
        agents = list(engine._manifests.keys())
        per_call = []
        for run in range(runs):
            started = time.perf_counter()
            for agent in agents:
                engine.get_agent_stats(agent)
            per_call.append((time.perf_counter() - started) / len(agents) * 1000)
        result["stats_ms_per_call"] = statistics.median(per_call)
        started = time.perf_counter()
        exported = engine.export_audit_log()
        result["export_ms"] = (time.perf_counter() - started) * 1000
        result["exported"] = len(exported)
        result["db_bytes_per_1000"] = os.path.getsize(routing.DB_PATH) / decisions * 1000
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
