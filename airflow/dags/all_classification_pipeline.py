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
  FB_THRESH               new feedback rows needed to retrain               default 100
  MLFLOW_TRACKING_URI     optional; passed through to the trainer
"""

import json
import os
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


def enough_new_feedback(db_path=FEEDBACK_DB, threshold=FB_THRESH, registry_dir=REGISTRY_DIR):
    """True when the feedback table holds at least `threshold` rows newer than the last trained version.

    Counting only new rows (not the table's total) keeps a retrained model from triggering retraining forever.
    """
    if not os.path.exists(db_path):
        return False
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM feedback WHERE id > ?", (feedback_high_water_mark(registry_dir),)
        ).fetchone()
    finally:
        connection.close()
    print(f"{count} new feedback rows in {db_path} (threshold {threshold})")
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
