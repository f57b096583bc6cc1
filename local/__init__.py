"""The local stack: runs the SAM application on one machine over moto, with no AWS account and no Docker.
It reads template.yaml and is an adapter only: no product logic lives here.

    template.py   read template.yaml (intrinsics, functions, routes, state machines, schedules, receipt rules)
    provision.py  create its tables, buckets, queues, secrets and state machines in moto
    lambdas.py    run the functions in this process (sync, async with retries + DLQ, Step Functions tasks)
    gateway.py    API Gateway REST: routes, TOKEN authorizer, gateway responses, CORS, proxy events
    inbound.py    SES receipt rules (S3 then Lambda) for POST /_local/inbound-email
    schedules.py  Schedule / ScheduleV2 events, on their schedule and on demand
    outbox.py     mail and SMS moto recorded, for GET /_local/outbox
    devroutes.py  /_local/* (outbox, inbound mail, schedules, clock, reset), /openapi.json and /docs
    events.py     EventBridge rules: POST /_local/events delivers, GET /_local/events lists what functions published
    storefront.py plays the storefront: POST /_local/storefront/confirm answers the support desk's order requests
    requestlog.py one log line per request (short, or JSON with LOG_FORMAT=json)
    openapi.py    docs/openapi.json from the routes' own declarations (make openapi); openapi_refunds.py and
                  openapi_orders.py hold the refund and order routes' schemas, openapi_types.py their vocabulary
    seed.py       demo accounts and orders, through the product's own code
    stack.py      all of the above on loopback ports; `python -m local` (make run) and the e2e tests start it
"""
