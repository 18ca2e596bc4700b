"""The peer issue 8 measures learngraph against: the pipeline its users planned next.

Python with Polars, built the way the issue describes it: `read_csv`, vectorised transforms, a
dictionary for country names, `str.split` for skills, node and relationship CSV files out. It does
far less than learngraph (no geography beyond the dictionary, no JSON enrollments, no dates, no
quarantine: Polars drops or truncates the rows it cannot parse), which is the point of the
comparison. Usage: python polars_peer.py EXPORT.csv OUT_DIR; prints rows/s, seconds, peak RSS,
the learners written and the records written (nodes and relationships).

With `--bolt URI [--sessions N]` it writes the same learners, skills and HAS_SKILL relationships
to a Bolt server instead of files, as the issue's peer does: the official driver, a thread pool of
N sessions (default 1), `UNWIND` batches of 5,000 rows, learners by `MERGE`, relationships by
`MATCH` and `MERGE`, and the driver's own retry of transient errors, ArcadeDB's write conflicts
among them. The retries may take up to ten minutes per batch: with the driver's default of 30
seconds, a run with four sessions failed on the whole export, a batch conflicting again and again.
The user, password and database come from NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE.
"""

import argparse
import io
import os
import resource
import time
from concurrent.futures import ThreadPoolExecutor

import polars as pl

# The dictionary a Polars pipeline would carry: the common spellings of the main countries.
COUNTRIES = {
    "egypt": "EG", "eg": "EG", "egy": "EG", "misr": "EG", "arab republic of egypt": "EG",
    "nigeria": "NG", "ng": "NG", "nga": "NG", "kenya": "KE", "ke": "KE", "ken": "KE",
    "ghana": "GH", "gh": "GH", "gha": "GH", "morocco": "MA", "ma": "MA", "maroc": "MA",
    "ethiopia": "ET", "et": "ET", "rwanda": "RW", "rw": "RW", "uganda": "UG", "ug": "UG",
    "south africa": "ZA", "za": "ZA", "rsa": "ZA", "tunisia": "TN", "tn": "TN",
    "tanzania": "TZ", "tz": "TZ", "algeria": "DZ", "dz": "DZ", "senegal": "SN", "sn": "SN",
    "côte d'ivoire": "CI", "ivory coast": "CI", "ci": "CI", "jordan": "JO", "jo": "JO",
    "cameroon": "CM", "cm": "CM", "saudi arabia": "SA", "sa": "SA", "ksa": "SA",
    "united arab emirates": "AE", "uae": "AE", "ae": "AE", "sudan": "SD", "sd": "SD",
    "zimbabwe": "ZW", "zw": "ZW", "zambia": "ZM", "zm": "ZM", "drc": "CD", "cd": "CD",
    "palestine": "PS", "ps": "PS", "somalia": "SO", "so": "SO",
}
GENDERS = {"male": "male", "m": "male", "female": "female", "f": "female"}


BATCH = 5_000


def write_bolt(uri: str, sessions: int, learners: pl.DataFrame, has_skill: pl.DataFrame) -> None:
    """Learners, then skills, then HAS_SKILL, each in batches shared by a pool of sessions."""
    from neo4j import GraphDatabase

    auth = (os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ["NEO4J_PASSWORD"])
    database = os.environ.get("NEO4J_DATABASE")
    with GraphDatabase.driver(
        uri, auth=auth, max_connection_pool_size=sessions + 1, max_transaction_retry_time=600
    ) as driver:
        with driver.session(database=database) as session:
            for label, key in (("Learner", "learner_id"), ("Skill", "name")):
                session.run(
                    f"CREATE CONSTRAINT {label.lower()}_{key}_unique IF NOT EXISTS "
                    f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
                ).consume()

        def in_batches(query: str, df: pl.DataFrame) -> None:
            def run(offset: int) -> None:
                rows = df.slice(offset, BATCH).to_dicts()
                with driver.session(database=database) as session:
                    session.execute_write(lambda tx: tx.run(query, rows=rows).consume())

            with ThreadPoolExecutor(max_workers=sessions) as pool:
                list(pool.map(run, range(0, df.height, BATCH)))

        in_batches(
            "UNWIND $rows AS r MERGE (l:Learner {learner_id: r.learner_id}) SET l += r", learners
        )
        in_batches(
            "UNWIND $rows AS r MERGE (s:Skill {name: r.skill})", has_skill.select("skill").unique()
        )
        in_batches(
            "UNWIND $rows AS r MATCH (l:Learner {learner_id: r.learner_id}) "
            "MATCH (s:Skill {name: r.skill}) MERGE (l)-[:HAS_SKILL]->(s)",
            has_skill,
        )


def main(path: str, out: str, bolt: str | None, sessions: int) -> None:
    started = time.perf_counter()
    os.makedirs(out, exist_ok=True)
    # Polars refuses a file whose last row is cut off inside a quoted field (the export's last
    # row can be); the peer drops the unfinished last line, as its authors would have to.
    with open(path, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
    df = pl.read_csv(
        io.BytesIO(data),
        infer_schema=False,
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
        ignore_errors=True,
    )
    rows = df.height
    df = df.filter(pl.col("learner_id").is_not_null()).unique(
        subset="learner_id", keep="last", maintain_order=True
    )
    lower = lambda c: pl.col(c).str.strip_chars().str.to_lowercase()  # noqa: E731
    learners = df.select(
        "learner_id",
        "full_name",
        "email",
        lower("gender").replace_strict(GENDERS, default=None).alias("gender"),
        lower("country_of_residence")
        .replace_strict(COUNTRIES, default=None)
        .alias("country_of_residence_code"),
        lower("country_of_origin")
        .replace_strict(COUNTRIES, default=None)
        .alias("country_of_origin_code"),
        pl.col("city_of_residence").str.strip_chars().alias("city"),
        "education_level",
        "field_of_study",
        "employment_status",
        "bio",
        pl.col("assessment_score").cast(pl.Float64, strict=False),
    )
    has_skill = (
        df.select(
            "learner_id",
            pl.col("skills_list").str.to_lowercase().str.split(",").alias("skill"),
        )
        .explode("skill")
        .with_columns(pl.col("skill").str.strip_chars(" []\"'"))
        .filter(pl.col("skill").is_not_null() & (pl.col("skill") != ""))
        .unique()
    )
    if bolt:
        write_bolt(bolt, sessions, learners, has_skill)
    else:
        learners.write_csv(os.path.join(out, "learners.csv"))
        has_skill.write_csv(os.path.join(out, "has_skill.csv"))
        has_skill.select("skill").unique().write_csv(os.path.join(out, "skills.csv"))
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    skills = has_skill.select("skill").n_unique()
    records = learners.height + skills + has_skill.height
    print(f"{rows / seconds:.0f} {seconds:.2f} {peak_mib:.0f} {learners.height} {records}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export")
    parser.add_argument("out_dir")
    parser.add_argument("--bolt", metavar="URI")
    parser.add_argument("--sessions", type=int, default=1)
    args = parser.parse_args()
    main(args.export, args.out_dir, args.bolt, args.sessions)
