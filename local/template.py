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


class Template:
    def __init__(self, document: dict | None = None, path: Path = TEMPLATE_PATH) -> None:
        self.path = path
        self.doc = document if document is not None else load(path)
        self.resources: dict[str, dict] = self.doc.get("Resources", {})
        self.parameters = {k: v.get("Default") for k, v in self.doc.get("Parameters", {}).items()}
        self.arns: dict[str, str] = {}  # filled by provisioning (e.g. secrets get a random suffix)

    # ---- names -----------------------------------------------------------------------------------------------
    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == resource_type}

    def physical_name(self, logical_id: str) -> str:
        resource_type = self.resources[logical_id]["Type"]
        if resource_type == "AWS::S3::Bucket":
            return f"{STACK_NAME}-{logical_id.lower()}"
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
        if kind in ("AWS::SecretsManager::Secret", "AWS::SNS::Topic", "AWS::Serverless::StateMachine",
                    "AWS::StepFunctions::StateMachine"):
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
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
            if key == "Fn::Sub":
                return self._sub(arg)
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
            result[logical_id] = Function(
                logical_id=logical_id,
                code_uri=props["CodeUri"],
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
                routes.append(Route(props["Method"].upper(), props["Path"], fn.logical_id,
                                    None if authorizer == "NONE" else authorizer))
        return routes

    def environment(self) -> dict[str, str]:
        """The union of every function's environment. The template keeps each variable's value the same in every
        function (a convention checked here), so one process can host them all."""
        merged: dict[str, str] = {}
        for fn in self.functions().values():
            for key, value in fn.environment.items():
                if key in merged and merged[key] != value:
                    raise ValueError(f"environment variable {key} differs between functions ({merged[key]!r} vs {value!r})")
                merged[key] = value
        return merged
