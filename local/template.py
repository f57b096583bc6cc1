"""Read template.yaml: CloudFormation tags, intrinsic functions, and the catalogue of functions and routes.

Local physical names are derived from logical IDs (tables, queues and secrets keep the logical ID, buckets are
lower-cased because S3 requires it), so a name seen locally points straight back at the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "support-desk-local"


class _Loader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...)."""


def _construct_tag(loader: _Loader, tag_suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _construct_tag)


def load(path: Path = TEMPLATE_PATH) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (SafeLoader subclass)


@dataclass(frozen=True)
class Route:
    method: str  # upper-case
    path: str  # API Gateway resource path, e.g. /tickets/{id}
    function: str  # logical ID
    authorizer: str | None  # authorizer name or None for Authorizer: NONE


@dataclass
class Function:
    logical_id: str
    code_uri: str
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    events: dict[str, dict] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        """Dotted module of the handler, importable with the repository root on sys.path."""
        package = self.code_uri.strip("/").replace("/", ".")
        return f"{package}.{self.handler.rsplit('.', 1)[0]}"

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class StateMachine:
    logical_id: str
    name: str
    definition: dict  # DefinitionSubstitutions already applied
    type: str = "STANDARD"


@dataclass(frozen=True)
class EventRule:
    """An EventBridgeRule event of a function: events on `bus` matching `pattern` go to the function."""

    function: str  # logical ID
    event: str  # the event's key under Events
    bus: str  # the bus name, resolved
    pattern: dict


@dataclass(frozen=True)
class Schedule:
    """A Schedule (EventBridge rule) or ScheduleV2 (EventBridge Scheduler) event of a function."""

    function: str  # logical ID
    event: str  # the event's key under Events
    kind: str  # "Schedule" | "ScheduleV2"
    expression: str  # rate(...) | cron(...) | at(...)
    timezone: str = "UTC"
    input: str | None = None  # the JSON text the target receives instead of the scheduled event
    enabled: bool = True
    name: str | None = None  # the rule/schedule name when the template gives one


class Template:
    def __init__(self, document: dict | None = None, path: Path = TEMPLATE_PATH) -> None:
        self.path = path
        self.doc = document if document is not None else load(path)
        self.resources: dict[str, dict] = self.doc.get("Resources", {})
        self.parameters = {k: v.get("Default") for k, v in self.doc.get("Parameters", {}).items()}
        self.arns: dict[str, str] = {}  # filled by provisioning (e.g. secrets get a random suffix)

    # ---- names -----------------------------------------------------------------------------------------------
    def of_type(self, resource_type: str) -> dict[str, dict]:
        """Resources of a type, without those whose Condition is false for the parameters in use."""
        return {
            k: v
            for k, v in self.resources.items()
            if v.get("Type") == resource_type and ("Condition" not in v or self.condition(v["Condition"]))
        }

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.doc.get("Conditions", {})[name]))

    def physical_name(self, logical_id: str) -> str:
        resource_type = self.resources[logical_id]["Type"]
        if resource_type == "AWS::S3::Bucket":
            return f"{STACK_NAME}-{logical_id.lower()}"
        if resource_type == "AWS::Events::EventBus":  # its Ref is the Name the template gives it
            return str(self.resolve(self.resources[logical_id]["Properties"]["Name"]))
        return logical_id

    def arn(self, logical_id: str) -> str:
        if logical_id in self.arns:
            return self.arns[logical_id]
        kind = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        return {
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            "AWS::Serverless::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}",
            "AWS::StepFunctions::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}",
        }.get(kind, f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{name}")

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": STACK_NAME,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return str(self.parameters[name])
        kind = self.resources[name]["Type"]
        # CloudFormation's Ref returns the ARN for these types, the name for the rest.
        if kind in (
            "AWS::SecretsManager::Secret",
            "AWS::SNS::Topic",
            "AWS::Serverless::StateMachine",
            "AWS::StepFunctions::StateMachine",
        ):
            return self.arn(name)
        if kind == "AWS::SQS::Queue":
            return f"http://localhost/{ACCOUNT_ID}/{self.physical_name(name)}"
        return self.physical_name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in ("QueueName", "Name", "TableName"):
            return self.physical_name(logical_id)
        raise KeyError(f"Fn::GetAtt {logical_id}.{attribute} is not supported locally")

    # ---- intrinsics ------------------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                return str(self.resolve(arg[0])) == str(self.resolve(arg[1]))
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(self.resolve(i)) for i in items)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!][^}]*)\}", replace, text)

    # ---- functions and routes --------------------------------------------------------------------------------
    def globals_function(self) -> dict:
        return self.doc.get("Globals", {}).get("Function", {})

    def functions(self) -> dict[str, Function]:
        result = {}
        global_env = self.globals_function().get("Environment", {}).get("Variables", {})
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource.get("Properties", {})
            env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
            # CodeUri is relative to the template (as in SAM); kept relative to the repository root for importing.
            code_dir = (self.path.parent / props["CodeUri"]).resolve()
            code_uri = (
                code_dir.relative_to(ROOT).as_posix() + "/" if code_dir.is_relative_to(ROOT) else props["CodeUri"]
            )
            result[logical_id] = Function(
                logical_id=logical_id,
                code_uri=code_uri,
                handler=props["Handler"],
                environment={k: str(self.resolve(v)) for k, v in env.items()},
                events=props.get("Events", {}),
                properties=props,
            )
        return result

    def default_authorizer(self, api_logical_id: str) -> str | None:
        auth = self.resources[api_logical_id].get("Properties", {}).get("Auth", {})
        return auth.get("DefaultAuthorizer")

    def authorizer_function(self, api_logical_id: str, name: str) -> str:
        spec = self.resources[api_logical_id]["Properties"]["Auth"]["Authorizers"][name]
        arn = spec["FunctionArn"]
        return arn["Fn::GetAtt"][0]

    def routes(self) -> list[Route]:
        routes = []
        for fn in self.functions().values():
            for event in fn.events.values():
                if event.get("Type") != "Api":
                    continue
                props = event["Properties"]
                api = props.get("RestApiId", {}).get("Ref")
                authorizer = props.get("Auth", {}).get("Authorizer", self.default_authorizer(api) if api else None)
                routes.append(
                    Route(
                        props["Method"].upper(),
                        props["Path"],
                        fn.logical_id,
                        None if authorizer == "NONE" else authorizer,
                    )
                )
        return routes

    # ---- the API ---------------------------------------------------------------------------------------------
    def api_logical_id(self) -> str:
        apis = self.of_type("AWS::Serverless::Api")
        if not apis:
            raise KeyError("template.yaml declares no AWS::Serverless::Api")
        return next(iter(apis))

    def api_properties(self, api_logical_id: str | None = None) -> dict:
        return self.resolve(self.resources[api_logical_id or self.api_logical_id()].get("Properties", {}))

    def stage(self, api_logical_id: str | None = None) -> str:
        return str(self.api_properties(api_logical_id).get("StageName", "Prod"))

    # ---- asynchronous entry points ------------------------------------------------------------------------------
    def dead_letter_target(self, function_logical_id: str) -> str | None:
        """The ARN of a function's DeadLetterQueue (SQS), where Lambda puts async events it failed to process."""
        dlq = self.resources[function_logical_id].get("Properties", {}).get("DeadLetterQueue")
        if not dlq:
            dlq = self.globals_function().get("DeadLetterQueue")
        return str(self.resolve(dlq["TargetArn"])) if dlq else None

    def function_for_arn(self, arn_or_name: str) -> str | None:
        """Logical ID of the function an ARN (optionally qualified) or a function name refers to."""
        functions = self.of_type("AWS::Serverless::Function")
        if arn_or_name in functions:
            return arn_or_name
        for logical_id in functions:
            arn = self.arn(logical_id)
            if arn_or_name == arn or arn_or_name.startswith(arn + ":"):
                return logical_id
            if arn_or_name == self.physical_name(logical_id):
                return logical_id
        return None

    def receipt_rules(self) -> list[dict]:
        """The Rule of every AWS::SES::ReceiptRule, resolved (ARNs and bucket names filled in), in template order."""
        return [self.resolve(r["Properties"]["Rule"]) for r in self.of_type("AWS::SES::ReceiptRule").values()]

    def event_rules(self) -> list[EventRule]:
        """The EventBridgeRule events of every function (moto stores rules but never delivers to their targets)."""
        result = []
        for fn in self.functions().values():
            for event_name, event in fn.events.items():
                if event.get("Type") != "EventBridgeRule":
                    continue
                props = self.resolve(event.get("Properties", {}))
                result.append(
                    EventRule(
                        fn.logical_id,
                        event_name,
                        str(props.get("EventBusName") or "default"),
                        props.get("Pattern") or {},
                    )
                )
        return result

    def schedules(self) -> list[Schedule]:
        result = []
        for fn in self.functions().values():
            for event_name, event in fn.events.items():
                kind = event.get("Type")
                if kind not in ("Schedule", "ScheduleV2"):
                    continue
                props = self.resolve(event.get("Properties", {}))
                expression = props.get("Schedule") if kind == "Schedule" else props.get("ScheduleExpression")
                enabled = props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
                result.append(
                    Schedule(
                        function=fn.logical_id,
                        event=event_name,
                        kind=kind,
                        expression=str(expression),
                        timezone=str(props.get("ScheduleExpressionTimezone", "UTC")),
                        input=props.get("Input"),
                        enabled=enabled,
                        name=props.get("Name"),
                    )
                )
        return result

    def state_machines(self) -> list[StateMachine]:
        import json

        result = []
        for kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            for logical_id, resource in self.of_type(kind).items():
                props = resource.get("Properties", {})
                substitutions = {k: str(self.resolve(v)) for k, v in props.get("DefinitionSubstitutions", {}).items()}
                if "DefinitionUri" in props:
                    text = (self.path.parent / props["DefinitionUri"]).read_text(encoding="utf-8")
                elif "DefinitionString" in props:
                    text = str(self.resolve(props["DefinitionString"]))
                else:
                    text = json.dumps(self.resolve(props["Definition"]))
                # Substitution works on the definition text, as SAM/CloudFormation do (values are names and ARNs).
                text = re.sub(r"\$\{([A-Za-z0-9_.]+)\}", lambda m: substitutions.get(m.group(1), m.group(0)), text)  # noqa: B023 - used at once
                result.append(
                    StateMachine(
                        logical_id,
                        self.physical_name(logical_id),
                        json.loads(text),
                        str(props.get("Type", props.get("StateMachineType", "STANDARD"))),
                    )
                )
        return result

    def environment(self) -> dict[str, str]:
        """The union of every function's environment. The template keeps each variable's value the same in every
        function (a convention checked here), so one process can host them all."""
        merged: dict[str, str] = {}
        for fn in self.functions().values():
            for key, value in fn.environment.items():
                if key in merged and merged[key] != value:
                    raise ValueError(
                        f"environment variable {key} differs between functions ({merged[key]!r} vs {value!r})"
                    )
                merged[key] = value
        return merged
