#!/usr/bin/env python3
"""Generate src/api/shapes_gen.c: the input shapes of ecsd's 26 operations.

Reads botocore's current ECS model (types, required members, enums) and the
2015 API seed (which members ecsd implements), and writes the tables that
api/validate.c walks for every request. The output is committed, so building
ecsd never needs Python. Run from the repository root:

    python3 scripts/gen-shapes.py [--model service-2.json.gz] [--seed ecs-api-2015-05.txt]
"""
import argparse
import ast
import gzip
import json
import re
import sys

MODEL = ("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/"
         "botocore/data/ecs/2014-11-13/service-2.json.gz")
SEED = "/work/shared/seed/ecs-api-2015-05.txt"
OUT = "src/api/shapes_gen.c"

OPS = """CreateCluster DeleteCluster DescribeClusters ListClusters
RegisterTaskDefinition DeregisterTaskDefinition DescribeTaskDefinition
ListTaskDefinitions ListTaskDefinitionFamilies RegisterContainerInstance
DeregisterContainerInstance DescribeContainerInstances ListContainerInstances
RunTask StartTask StopTask DescribeTasks ListTasks CreateService UpdateService
DeleteService DescribeServices ListServices DiscoverPollEndpoint
SubmitContainerStateChange SubmitTaskStateChange""".split()

# Members newer than the 2015 seed that ecsd implements all the same. This is
# the one place that says so. Each entry is a path of member names from an
# operation's input (lists are stepped through); every member on the path is
# marked implemented. Implemented is a property of (shape, member), so a
# shape shared by two operations (ContainerOverride, DeploymentConfiguration,
# NetworkBinding) is implemented alike in both.
IMPLEMENTED_LATER = [
    "ListTaskDefinitions.status",                     # 2015-06
    "ListTaskDefinitions.sort",                       # 2015-06
    "ListTaskDefinitionFamilies.status",              # 2016-05
    "ListTasks.desiredStatus",
    "RegisterTaskDefinition.containerDefinitions.portMappings.protocol",
    "RunTask.overrides.containerOverrides.environment.name",   # ContainerOverride.environment
    "RunTask.overrides.containerOverrides.environment.value",
    "StartTask.overrides.containerOverrides.environment.name",
    "StartTask.overrides.containerOverrides.environment.value",
    "RegisterContainerInstance.containerInstanceArn",  # 2015-07, re-registration
    "RegisterContainerInstance.versionInfo.agentVersion",
    "RegisterContainerInstance.versionInfo.agentHash",
    "RegisterContainerInstance.versionInfo.dockerVersion",
    "StopTask.reason",
    "RunTask.clientToken",                            # 2023-11; the aws CLI always sends one
    "CreateService.deploymentConfiguration.maximumPercent",
    "CreateService.deploymentConfiguration.minimumHealthyPercent",
    "UpdateService.deploymentConfiguration.maximumPercent",
    "UpdateService.deploymentConfiguration.minimumHealthyPercent",
    "DeleteService.force",
    "SubmitContainerStateChange.networkBindings.bindIP",
    "SubmitContainerStateChange.networkBindings.containerPort",
    "SubmitContainerStateChange.networkBindings.hostPort",
    "SubmitContainerStateChange.networkBindings.protocol",  # NetworkBinding.protocol
]

# String values that equal what ECS does when the member is absent, so a
# client may send them for a member ecsd does not implement. Keyed by the
# member's target shape name (an enum) or by "Structure.member". Besides these,
# null, false, [] and an object whose members are all defaults count as the
# default (see api/validate.c).
DEFAULTS = {
    "LaunchType": "EC2",                    # RunTask, CreateService
    "NetworkMode": "bridge",                # RegisterTaskDefinition
    "SchedulingStrategy": "REPLICA",        # CreateService
    "PropagateTags": "NONE",                # RunTask, StartTask, CreateService, UpdateService
    "DeploymentControllerType": "ECS",      # CreateService.deploymentController.type
    "OSFamily": "LINUX",                    # RegisterTaskDefinition.runtimePlatform
}

KINDS = {
    "structure": "API_SHAPE_STRUCTURE", "list": "API_SHAPE_LIST",
    "map": "API_SHAPE_MAP", "string": "API_SHAPE_STRING",
    "integer": "API_SHAPE_INTEGER", "long": "API_SHAPE_LONG",
    "boolean": "API_SHAPE_BOOLEAN", "double": "API_SHAPE_DOUBLE",
    "float": "API_SHAPE_DOUBLE", "timestamp": "API_SHAPE_TIMESTAMP",
}


def die(msg):
    sys.exit("gen-shapes: " + msg)


def parse_seed(path):
    """Return {Operation: nested dict/list literal of its Request Syntax}."""
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r"^client\.(\w+)\(\n(.*?)^\)$", text, re.M | re.S):
        op = "".join(w.capitalize() for w in m.group(1).split("_"))
        body = re.sub(r"^(\s*)(\w+)=", r"\1'\2': ", m.group(2), flags=re.M)
        body = body.replace("True|False", "True")
        out[op] = ast.literal_eval("{" + body + "}")
    return out


class Model:
    def __init__(self, path):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            self.m = json.load(f)
        self.shapes = self.m["shapes"]
        self.order = []          # reachable shape names, first-seen order
        self.implemented = set()  # (structure name, member name)

    def walk(self, name):
        if name in self.order:
            return
        self.order.append(name)
        s = self.shapes[name]
        if s["type"] == "structure":
            for mem in s["members"].values():
                self.walk(mem["shape"])
        elif s["type"] == "list":
            self.walk(s["member"]["shape"])
        elif s["type"] == "map":
            self.walk(s["key"]["shape"])
            self.walk(s["value"]["shape"])

    def input_shape(self, op):
        return self.m["operations"][op]["input"]["shape"]

    def mark_seed(self, shape, lit, where):
        """Mark every member named in the seed literal `lit` implemented."""
        s = self.shapes[shape]
        if isinstance(lit, dict):
            if s["type"] != "structure":
                die(f"{where}: seed has an object, model has {s['type']}")
            for key, val in lit.items():
                if key not in s["members"]:
                    die(f"{where}.{key}: in the seed but not in the model")
                self.implemented.add((shape, key))
                self.mark_seed(s["members"][key]["shape"], val, f"{where}.{key}")
        elif isinstance(lit, list):
            if s["type"] != "list":
                die(f"{where}: seed has a list, model has {s['type']}")
            self.mark_seed(s["member"]["shape"], lit[0], where + "[]")

    def mark_path(self, path):
        op, *names = path.split(".")
        shape = self.input_shape(op)
        for key in names:
            while self.shapes[shape]["type"] == "list":
                shape = self.shapes[shape]["member"]["shape"]
            s = self.shapes[shape]
            if s["type"] != "structure" or key not in s["members"]:
                die(f"{path}: no member {key} in {shape}")
            self.implemented.add((shape, key))
            shape = s["members"][key]["shape"]


def c_str(s):
    return json.dumps(s)  # a JSON string literal of ASCII text is a C literal


def generate(model):
    order = sorted(model.order)
    ids = {name: f"SH_{name}" for name in order}
    shapes = model.shapes
    lines = []
    w = lines.append
    w("/* shapes_gen.c - GENERATED by scripts/gen-shapes.py; do not edit.")
    w(" *")
    w(f" * Input shapes of ecsd's {len(OPS)} operations, from botocore's ECS model")
    w(f" * (apiVersion {model.m['metadata']['apiVersion']}), with the members ecsd implements")
    w(" * taken from the 2015 seed's Request Syntax plus IMPLEMENTED_LATER. */")
    w('#include "api/shapes.h"')
    w("")
    w("enum {")
    for name in order:
        w(f"    {ids[name]},")
    w("    SH_COUNT_")
    w("};")
    w("")

    enum_rows, member_rows, shape_rows = [], [], []
    n_enum = n_member = 0
    defaults_used = set()
    for name in order:
        s = shapes[name]
        kind = KINDS.get(s["type"])
        if s["type"] == "structure" and s.get("document"):
            kind = "API_SHAPE_DOCUMENT"
        elif s["type"] == "string" and "enum" in s:
            kind = "API_SHAPE_ENUM"
        if kind is None:
            die(f"{name}: unsupported type {s['type']}")
        fields = [c_str(name), kind]
        if kind == "API_SHAPE_ENUM":
            enum_rows.append(f"    /* {name} */ " + ", ".join(c_str(v) for v in s["enum"]) + ",")
            fields += [f".first = {n_enum}", f".count = {len(s['enum'])}"]
            n_enum += len(s["enum"])
        elif kind == "API_SHAPE_STRUCTURE":
            req = set(s.get("required", []))
            mems = sorted(s["members"].items())
            member_rows.append(f"    /* {name} */")
            for mname, mem in mems:
                flags = []
                if mname in req:
                    flags.append("API_MEMBER_REQUIRED")
                if (name, mname) in model.implemented:
                    flags.append("API_MEMBER_IMPLEMENTED")
                elif mname in req and any((name, k) in model.implemented for k in s["members"]):
                    print(f"gen-shapes: warning: {name}.{mname} is required but not implemented",
                          file=sys.stderr)
                if not mname.isascii():
                    die(f"{name}.{mname}: non-ASCII names would break the sorted lookup")
                dkey = f"{name}.{mname}" if f"{name}.{mname}" in DEFAULTS else mem["shape"]
                dflt = DEFAULTS.get(dkey)
                if dflt is not None:
                    defaults_used.add(dkey)
                    if dflt not in shapes[mem["shape"]].get("enum", [dflt]):
                        die(f"{name}.{mname}: default {dflt!r} is not one of its enum values")
                member_rows.append(
                    f"    {{{c_str(mname)}, {ids[mem['shape']]}, {' | '.join(flags) or '0'}, "
                    f"{c_str(dflt) if dflt else 'NULL'}}},")
            fields += [f".first = {n_member}", f".count = {len(mems)}", f".nrequired = {len(req)}"]
            n_member += len(mems)
        elif kind == "API_SHAPE_LIST":
            fields.append(f".item = {ids[s['member']['shape']]}")
        elif kind == "API_SHAPE_MAP":
            fields += [f".key = {ids[s['key']['shape']]}", f".item = {ids[s['value']['shape']]}"]
        shape_rows.append(f"    [{ids[name]}] = {{{', '.join(fields)}}},")

    if set(DEFAULTS) - defaults_used:
        die(f"DEFAULTS entries match no member: {sorted(set(DEFAULTS) - defaults_used)}")
    w("const char *const api_enum_values[] = {")
    lines.extend(enum_rows)
    w("};")
    w("")
    w("const api_member_t api_members[] = {")
    lines.extend(member_rows)
    w("};")
    w("")
    w("const api_shape_t api_shapes[] = {")
    lines.extend(shape_rows)
    w("};")
    w("")
    w("/* Sorted by operation name, for binary search. */")
    w("const api_op_input_t api_op_inputs[] = {")
    for op in sorted(OPS):
        w(f"    {{{c_str(op)}, {ids[model.input_shape(op)]}}},")
    w("};")
    w("")
    w("const size_t api_op_inputs_count = sizeof api_op_inputs / sizeof api_op_inputs[0];")
    w("const size_t api_shapes_count = SH_COUNT_;")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--seed", default=SEED)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()

    model = Model(args.model)
    seed_ops = parse_seed(args.seed)
    if sorted(seed_ops) != sorted(OPS):
        die(f"seed operations differ: {sorted(set(seed_ops) ^ set(OPS))}")
    for op in OPS:
        model.walk(model.input_shape(op))
        model.mark_seed(model.input_shape(op), seed_ops[op], op)
    for path in IMPLEMENTED_LATER:
        model.mark_path(path)
    if len(model.order) > 65535:
        die("too many shapes for uint16_t indices")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(generate(model))


if __name__ == "__main__":
    main()
