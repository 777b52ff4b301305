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
  FB_THRESH               corrections pending since the newest training     default 100
                          data needed to retrain
  MLFLOW_TRACKING_URI     optional; passed through to the trainer
  ModelSigning__PrivateKeyPath
                          the trainer's model signing key (PEM), passed through: register_model signs the version
                          with it; without it the API refuses the version (docs/model-signing.md)

Instead of ConnectionStrings__feedback, an Airflow connection `feedback` (PostgreSQL: UI, AIRFLOW_CONN_FEEDBACK or a
secrets backend) may name the database; it reaches the trainer as its connection string.

wait_feedback counts nothing itself: each poke runs `task wait_feedback --timeout 0`, so the rows pending since the
model was trained are counted by the trainer's own rule (the one its worker and the API's GET /feedback/count use).
The trainer exits 0 when the threshold is reached, 75 when not yet, and anything else on an error, which fails the
task instead of waiting quietly.
"""

import os
import shlex
import subprocess
from datetime import datetime

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

# The trainer's exit code for "threshold not reached yet" (TrainerCli.NotReachedExitCode).
NOT_REACHED_EXIT_CODE = 75


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


def enough_new_feedback(db_path=FEEDBACK_DB, threshold=FB_THRESH, registry_dir=REGISTRY_DIR):
    """True when the trainer's wait_feedback finds `threshold` rows pending since the newest trained version.

    One check per poke (--timeout 0); Airflow's reschedule mode does the waiting.
    """
    command = [
        *shlex.split(TRAINER),
        "task",
        "wait_feedback",
        "--registry",
        registry_dir,
        "--feedback-db",
        db_path,
        "--threshold",
        str(threshold),
        "--timeout",
        "0",
    ]
    environment = {**os.environ, FEEDBACK_CONNECTION_STRING: feedback_connection_string()}
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    print(result.stdout.strip())
    if result.returncode == 0:
        return True
    if result.returncode == NOT_REACHED_EXIT_CODE:
        return False
    raise RuntimeError(f"wait_feedback failed with exit code {result.returncode}: {(result.stderr or result.stdout).strip()}")


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
