"""Order self-service: a customer's own orders (list, detail with tracking and refunds) and the two things they may
ask the storefront for alone before the parcel ships (cancel the order, send it to another address). Requests go to
the storefront's EventBridge bus; the order shows them as pending until the storefront's next event settles them."""
