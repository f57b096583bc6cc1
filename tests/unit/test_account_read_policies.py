"""Only identity and password reset may read password hashes: every other function's IAM policy allows GetItem on
the accounts table only with a projection within CONTACT_ATTRIBUTES (dynamodb:Attributes + dynamodb:Select)."""
from __future__ import annotations

from local.template import Template
from supportdesk.dal.accounts import CONTACT_ATTRIBUTES, UNDELIVERABLE_ATTRIBUTES

TEMPLATE = Template()
MAY_READ_HASHES = {"IdentityFunction", "PasswordResetFunction", "AccountDeletionFunction"}  # the last checks the password
WRITE_ONLY = {"MailEventsFunction"}  # marks an account's e-mail undeliverable without reading the account


def _account_statements(function_id: str) -> list[dict]:
    statements = []
    for policy in TEMPLATE.resources[function_id]["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            resources = statement.get("Resource")
            resources = resources if isinstance(resources, list) else [resources]
            if {"Fn::GetAtt": ["AccountsTable", "Arn"]} in resources and statement["Effect"] == "Allow":
                statements.append(statement)
    return statements


def test_functions_other_than_identity_read_accounts_only_without_the_password_hash():
    readers = [f for f in TEMPLATE.of_type("AWS::Serverless::Function") if _account_statements(f)
               and f not in WRITE_ONLY]
    assert set(readers) - MAY_READ_HASHES == {"AuthorizerFunction", "TicketFunction", "InboundEmailFunction",
                                              "LifecycleSurveyFunction", "RefundFunction", "RefundAssessFunction",
                                              "RefundReviewFunction", "RefundPayoutFunction",
                                              "OrderSelfServiceFunction"}
    for function_id in set(readers) - MAY_READ_HASHES:
        for statement in _account_statements(function_id):
            condition = statement.get("Condition") or {}
            allowed = condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
            assert sorted(allowed) == sorted(CONTACT_ATTRIBUTES) and "password_hash" not in allowed, function_id
            assert condition["StringEqualsIfExists"]["dynamodb:Select"] == "SPECIFIC_ATTRIBUTES", function_id
            assert statement["Action"] in ("dynamodb:GetItem", ["dynamodb:GetItem"]), function_id


def test_the_mail_events_function_writes_only_the_undeliverable_mark_and_reads_nothing_back():
    (statement,) = _account_statements("MailEventsFunction")
    assert statement["Action"] in ("dynamodb:UpdateItem", ["dynamodb:UpdateItem"])
    condition = statement["Condition"]
    assert sorted(condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]) == sorted(UNDELIVERABLE_ATTRIBUTES)
    assert condition["StringEqualsIfExists"]["dynamodb:ReturnValues"] == "NONE"


def test_only_our_receipt_rule_may_write_inbound_mail_or_invoke_the_function():
    rule_arn = TEMPLATE.resources["InboundEmailInvokePermission"]["Properties"]["SourceArn"]
    assert "receipt-rule-set/${TicketReceiptRuleSet}:receipt-rule/support-inbox-to-tickets" in rule_arn["Fn::Sub"]
    assert TEMPLATE.resources["InboundEmailInvokePermission"]["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
    [ses] = [s for s in TEMPLATE.resources["MailBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
             if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert ses["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert ses["Condition"]["ArnLike"]["aws:SourceArn"] == rule_arn
    rule = TEMPLATE.resources["TicketReceiptRule"]["Properties"]["Rule"]
    assert rule["Name"] == "support-inbox-to-tickets"
