"""Describes an Airflow DAG file as JSON without Airflow installed.

Static facts come from Python's `ast` (dag_id, operators and their literal arguments, `>>` chains); the file is
then executed against minimal stand-ins for the three Airflow imports it uses, to obtain the shell commands
exactly as Airflow would receive them and to call the sensor's python_callable.

usage: inspect_dag.py DAG_FILE [--poke]   (--poke calls every PythonSensor's callable and reports the result)
"""

import ast
import json
import sys
import types

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


def executed_facts(path, poke):
    created = []

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
        if poke and "python_callable" in op.kwargs:
            task["poke_result"] = bool(op.kwargs["python_callable"]())
        tasks.append(task)
    return {"tasks": tasks}


def main():
    path = sys.argv[1]
    with open(path) as source:
        tree = ast.parse(source.read(), path)
    facts = {"static": static_facts(tree), "executed": executed_facts(path, "--poke" in sys.argv)}
    json.dump(facts, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
