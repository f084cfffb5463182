"""The OVHcloud-compatible REST API for customers' scripts (issue 12), being built: so far the
request signature and access rules (customer_api.signing), and the applications and consumer keys
with their secrets and the consent's decision (customer_api.services, `manage.py
create_api_application`), and the order of checks of a signed request (customer_api.auth); no route
is served yet."""
