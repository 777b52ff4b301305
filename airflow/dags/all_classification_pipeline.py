"""Airflow DAG `all_classification_pipeline` for teams that orchestrate AllClassifier with Airflow.

Each task runs one step of the .NET trainer (`AllClassifier.Trainer task <task_id> ...`), so Airflow only
schedules: the trainer owns the data, the model registry and MLflow tracking. The trainer's own `worker`
command runs the same pipeline without Airflow.

Configuration (environment of the Airflow workers):
  ALLCLASSIFIER_TRAINER   command that starts the trainer
                          (default: dotnet /opt/allclassifier/trainer/AllClassifier.Trainer.dll)
  DATA_DIR                dataset root (<root>/<Class>/*.jpg)               default /data/raw
  ALLCLASSIFIER_WORKDIR   trainer work directory (processed images, runs)   default /data/work
  MODEL_REGISTRY_DIR      local model registry root                         default /data/registry
  FEEDBACK_DIR            directory of feedback.db                          default /app/data
  ConnectionStrings__feedback
                          the PostgreSQL feedback table, as the .NET services read it (Npgsql keywords:
                          Host=db;Port=5432;Username=u;Password=p;Database=feedback); unset: SQLite above
  FB_THRESH               new feedback rows needed to retrain               default 100
  MLFLOW_TRACKING_URI     optional; passed through to the trainer

Instead of ConnectionStrings__feedback, an Airflow connection `feedback` (PostgreSQL: UI, AIRFLOW_CONN_FEEDBACK or a
secrets backend) may name the database; the sensor then counts through the Postgres provider's hook and the
preprocess_images task hands the same database to the trainer. The provider and psycopg2 are imported only then, so a
SQLite deployment needs neither.
"""

import json
import os
import re
import shlex
import sqlite3
from datetime import datetime
from pathlib import Path

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.python import PythonSensor

TRAINER = os.environ.get("ALLCLASSIFIER_TRAINER", "dotnet /opt/allclassifier/trainer/AllClassifier.Trainer.dll")
DATA_DIR = os.environ.get("DATA_DIR", "/data/raw")
WORKDIR = os.environ.get("ALLCLASSIFIER_WORKDIR", "/data/work")
REGISTRY_DIR = os.environ.get("MODEL_REGISTRY_DIR", "/data/registry")
FEEDBACK_DB = os.path.join(os.environ.get("FEEDBACK_DIR", "/app/data"), "feedback.db")
FB_THRESH = int(os.environ.get("FB_THRESH", "100"))

FEEDBACK_CONN_ID = "feedback"
FEEDBACK_CONNECTION_STRING = "ConnectionStrings__feedback"
FEEDBACK_TABLE = "feedback"

# Npgsql's connection-string keywords (lower case, spaces removed, aliases included) and the libpq keywords that
# psycopg2 takes for them; other Npgsql keywords (pooling, multiplexing, ...) have no libpq meaning and are left out.
NPGSQL_TO_LIBPQ = {
    "host": "host",
    "server": "host",
    "port": "port",
    "database": "dbname",
    "db": "dbname",
    "username": "user",
    "userid": "user",
    "uid": "user",
    "password": "password",
    "pwd": "password",
    "psw": "password",
    "sslmode": "sslmode",
    "timeout": "connect_timeout",
    "applicationname": "application_name",
}
# Npgsql spells libpq's verify-ca and verify-full without the hyphen.
NPGSQL_SSL_MODES = {"verifyca": "verify-ca", "verifyfull": "verify-full"}
CONNECTION_STRING_PAIR = re.compile(r"""\s*([^=;]+?)\s*=\s*("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*?)\s*(?:;|$)""")


def feedback_high_water_mark(registry_dir=REGISTRY_DIR):
    """Highest feedback row id already used for training, from the registered model cards (0 when none)."""
    versions = Path(registry_dir) / "all-classifier" / "versions"
    mark = 0
    for card in versions.glob("*/model.json"):
        try:
            mark = max(mark, int(json.loads(card.read_text()).get("feedback_high_water_mark", 0)))
        except (OSError, ValueError):
            continue
    return mark


def parse_connection_string(text):
    """Keyword/value pairs of an ADO.NET connection string (keywords lower-cased, spaces removed; quotes undone)."""
    pairs = {}
    for match in CONNECTION_STRING_PAIR.finditer(text):
        key, value = match.group(1), match.group(2)
        if value[:1] in "\"'" and len(value) >= 2 and value[0] == value[-1]:
            value = value[1:-1].replace(value[0] * 2, value[0])
        pairs[key.lower().replace(" ", "")] = value
    return pairs


def libpq_keywords(connection_string):
    """psycopg2.connect keywords for an Npgsql connection string."""
    keywords = {}
    for key, value in parse_connection_string(connection_string).items():
        if key in NPGSQL_TO_LIBPQ and value:
            keywords[NPGSQL_TO_LIBPQ[key]] = value
    if "sslmode" in keywords:
        mode = keywords["sslmode"].lower()
        keywords["sslmode"] = NPGSQL_SSL_MODES.get(mode, mode)
    return keywords


def airflow_feedback_connection():
    """The Airflow connection `feedback`, or None when Airflow has none by that id."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.hooks.base import BaseHook

    try:
        return BaseHook.get_connection(FEEDBACK_CONN_ID)
    except AirflowNotFoundException:
        return None


def feedback_connection_string():
    """The PostgreSQL feedback table as the trainer reads it (ConnectionStrings__feedback), or "" for SQLite.

    Rendered into the preprocess_images task's environment, so a database named only by the Airflow connection
    reaches the trainer too.
    """
    connection_string = os.environ.get(FEEDBACK_CONNECTION_STRING, "").strip()
    if connection_string:
        return connection_string
    connection = airflow_feedback_connection()
    if connection is None:
        return ""
    fields = {
        "Host": connection.host,
        "Port": connection.port,
        "Database": connection.schema,
        "Username": connection.login,
        "Password": connection.password,
        "SSL Mode": connection.extra_dejson.get("sslmode"),
    }
    return ";".join(f"{key}={quote_connection_string_value(str(value))}" for key, value in fields.items() if value)


def quote_connection_string_value(value):
    if value != value.strip() or any(c in value for c in ";'\"="):
        return '"' + value.replace('"', '""') + '"'
    return value


def count_sqlite_feedback(db_path, after_id):
    if not os.path.exists(db_path):
        return 0
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        # The API creates the table on start; until then there is no feedback.
        if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FEEDBACK_TABLE,)).fetchone() is None:
            return 0
        (count,) = connection.execute(f"SELECT COUNT(*) FROM {FEEDBACK_TABLE} WHERE id > ?", (after_id,)).fetchone()
        return count
    finally:
        connection.close()


def count_postgres_feedback(query_first, after_id):
    """Rows above after_id, through query_first(sql, parameters) -> first row; 0 while the API has not created the table."""
    (exists,) = query_first("SELECT to_regclass(%s) IS NOT NULL", (FEEDBACK_TABLE,))
    if not exists:
        return 0
    (count,) = query_first(f"SELECT count(*) FROM {FEEDBACK_TABLE} WHERE id > %s", (after_id,))
    return count


def count_new_feedback(after_id, db_path=FEEDBACK_DB):
    """Feedback rows with an id above after_id, and where they were counted.

    PostgreSQL when ConnectionStrings__feedback or the Airflow connection `feedback` is set (the connection string
    first, as for the .NET services), else the SQLite file at db_path.
    """
    connection_string = os.environ.get(FEEDBACK_CONNECTION_STRING, "").strip()
    if connection_string:
        import psycopg2

        keywords = libpq_keywords(connection_string)
        connection = psycopg2.connect(**keywords)
        try:
            with connection.cursor() as cursor:

                def query_first(sql, parameters):
                    cursor.execute(sql, parameters)
                    return cursor.fetchone()

                count = count_postgres_feedback(query_first, after_id)
        finally:
            connection.close()
        return count, f"PostgreSQL {keywords.get('host', '')}/{keywords.get('dbname', '')} ({FEEDBACK_CONNECTION_STRING})"

    if airflow_feedback_connection() is not None:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id=FEEDBACK_CONN_ID)
        return count_postgres_feedback(lambda sql, parameters: hook.get_first(sql, parameters=parameters), after_id), (
            f"PostgreSQL (Airflow connection {FEEDBACK_CONN_ID})"
        )

    return count_sqlite_feedback(db_path, after_id), db_path


def enough_new_feedback(db_path=FEEDBACK_DB, threshold=FB_THRESH, registry_dir=REGISTRY_DIR):
    """True when the feedback table holds at least `threshold` rows newer than the last trained version.

    Counting only new rows (not the table's total) keeps a retrained model from triggering retraining forever.
    """
    count, where = count_new_feedback(feedback_high_water_mark(registry_dir), db_path)
    print(f"{count} new feedback rows in {where} (threshold {threshold})")
    return count >= threshold


def trainer_task(task_id, *options):
    """Shell command running one trainer task.

    Tasks hand their results over through the work directory; test_classifier and register_model work on the
    run train_classifier recorded last (`runs/latest`), which is why the DAG allows one active run at a time.
    """
    arguments = ["task", task_id, *options]
    return " ".join([TRAINER, *(shlex.quote(a) for a in arguments)])


COMMON = ("--workdir", WORKDIR, "--registry", REGISTRY_DIR)

with DAG(
    dag_id="all_classification_pipeline",
    description="Retrain the ALL smear classifier on the dataset plus lab feedback, evaluate, register",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    tags=["allclassifier"],
    user_defined_macros={"feedback_connection_string": feedback_connection_string},
) as dag:
    wait_feedback = PythonSensor(
        task_id="wait_feedback",
        python_callable=enough_new_feedback,
        poke_interval=3600,
        timeout=86400,
        mode="reschedule",
    )

    preprocess_images = BashOperator(
        task_id="preprocess_images",
        bash_command=trainer_task("preprocess_images", *COMMON, "--data", DATA_DIR, "--feedback-db", FEEDBACK_DB),
        env={FEEDBACK_CONNECTION_STRING: "{{ feedback_connection_string() }}"},
        append_env=True,
    )

    prepare_data = BashOperator(
        task_id="prepare_data",
        bash_command=trainer_task("prepare_data", *COMMON),
    )

    train_classifier = BashOperator(
        task_id="train_classifier",
        bash_command=trainer_task("train_classifier", *COMMON),
    )

    test_classifier = BashOperator(
        task_id="test_classifier",
        bash_command=trainer_task("test_classifier", *COMMON),
    )

    register_model = BashOperator(
        task_id="register_model",
        bash_command=trainer_task("register_model", *COMMON),
    )

    wait_feedback >> preprocess_images >> prepare_data >> train_classifier >> test_classifier >> register_model
