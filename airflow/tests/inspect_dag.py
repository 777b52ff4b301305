"""Describes an Airflow DAG file as JSON without Airflow installed.

Static facts come from Python's `ast` (dag_id, operators and their literal arguments, `>>` chains); the file is
then executed against minimal stand-ins for the Airflow imports it uses, to obtain the shell commands exactly as
Airflow would receive them and to call the sensor's python_callable.

The stand-ins behave as Airflow 2 does where the DAG relies on it: BaseHook.get_connection finds a connection in
AIRFLOW_CONN_<ID> (a URI, like Airflow's environment-variable secrets backend) and raises AirflowNotFoundException
otherwise; PostgresHook connects with psycopg2 from the connection's fields and extras; only `{{ macro() }}`
templates are rendered, with the DAG's user_defined_macros.

usage: inspect_dag.py DAG_FILE [--poke] [--render]
  --poke    calls every PythonSensor's callable and reports the result
  --render  renders every task's templated env
"""

import ast
import json
import os
import re
import sys
import types
from urllib.parse import parse_qsl, unquote, urlsplit

OPERATORS = {"BashOperator", "PythonSensor"}


def literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def call_name(call):
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)


def flatten_rshift(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return flatten_rshift(node.left) + flatten_rshift(node.right)
    return [node]


def static_facts(tree):
    dag_ids, tasks, variables, edges = [], [], {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "DAG":
            kwargs = {k.arg: literal(k.value) for k in node.keywords}
            dag_ids.append(kwargs.get("dag_id"))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and call_name(node.value) in OPERATORS:
            kwargs = {k.arg: k.value for k in node.value.keywords}
            task = {"operator": call_name(node.value)}
            for key, value in kwargs.items():
                if key == "python_callable":
                    task[key] = value.id if isinstance(value, ast.Name) else None
                elif key != "bash_command":
                    task[key] = literal(value)
            tasks.append(task)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    variables[target.id] = task.get("task_id")
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp) and isinstance(node.value.op, ast.RShift):
            names = [n.id if isinstance(n, ast.Name) else None for n in flatten_rshift(node.value)]
            edges.extend([variables.get(a), variables.get(b)] for a, b in zip(names, names[1:]))
    return {"dag_ids": dag_ids, "tasks": tasks, "edges": edges}


class AirflowNotFoundException(Exception):
    pass


class Connection:
    def __init__(self, conn_id=None, uri=None):
        self.conn_id = conn_id
        parts = urlsplit(uri)
        self.conn_type = "postgres" if parts.scheme == "postgresql" else parts.scheme
        self.host = unquote(parts.hostname or "") or None
        self.port = parts.port
        self.schema = unquote(parts.path.lstrip("/")) or None
        self.login = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.extra_dejson = dict(parse_qsl(parts.query))


class BaseHook:
    @staticmethod
    def get_connection(conn_id):
        uri = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if not uri:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        return Connection(conn_id=conn_id, uri=uri)


class PostgresHook(BaseHook):
    def __init__(self, postgres_conn_id="postgres_default"):
        self.postgres_conn_id = postgres_conn_id

    def get_conn(self):
        import psycopg2

        conn = self.get_connection(self.postgres_conn_id)
        return psycopg2.connect(
            host=conn.host, user=conn.login, password=conn.password, dbname=conn.schema, port=conn.port, **conn.extra_dejson
        )

    def get_first(self, sql, parameters=None):
        connection = self.get_conn()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return cursor.fetchone()
        finally:
            connection.close()


def render(template, macros):
    return re.sub(r"\{\{\s*(\w+)\(\)\s*\}\}", lambda match: str(macros[match.group(1)]()), template)


def executed_facts(path, poke, render_env):
    created = []
    dags = []

    class Operator:
        def __init__(self, task_id, **kwargs):
            self.task_id = task_id
            self.kwargs = kwargs
            self.downstream = []
            created.append(self)

        def __rshift__(self, other):
            self.downstream.append(other.task_id)
            return other

    class DAG:
        def __init__(self, **kwargs):
            self.kwargs = kwargs
            dags.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    modules = {
        "airflow": {"DAG": DAG},
        "airflow.operators": {},
        "airflow.operators.bash": {"BashOperator": type("BashOperator", (Operator,), {})},
        "airflow.sensors": {},
        "airflow.sensors.python": {"PythonSensor": type("PythonSensor", (Operator,), {})},
        "airflow.exceptions": {"AirflowNotFoundException": AirflowNotFoundException},
        "airflow.hooks": {},
        "airflow.hooks.base": {"BaseHook": BaseHook},
        "airflow.providers": {},
        "airflow.providers.postgres": {},
        "airflow.providers.postgres.hooks": {},
        "airflow.providers.postgres.hooks.postgres": {"PostgresHook": PostgresHook},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        sys.modules[name] = module

    namespace = {"__name__": "dag_under_test", "__file__": path}
    with open(path) as source:
        exec(compile(source.read(), path, "exec"), namespace)

    tasks = []
    for op in created:
        task = {"task_id": op.task_id, "operator": type(op).__name__, "downstream": op.downstream}
        if "bash_command" in op.kwargs:
            task["bash_command"] = op.kwargs["bash_command"]
        if "env" in op.kwargs:
            task["append_env"] = op.kwargs.get("append_env", False)
            macros = dags[0].kwargs.get("user_defined_macros", {})
            task["env"] = {k: render(v, macros) if render_env else v for k, v in op.kwargs["env"].items()}
        if poke and "python_callable" in op.kwargs:
            task["poke_result"] = bool(op.kwargs["python_callable"]())
        tasks.append(task)
    return {"tasks": tasks}


def main():
    path = sys.argv[1]
    with open(path) as source:
        tree = ast.parse(source.read(), path)
    facts = {"static": static_facts(tree), "executed": executed_facts(path, "--poke" in sys.argv, "--render" in sys.argv)}
    json.dump(facts, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
