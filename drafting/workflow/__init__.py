"""The review workflow and everything stored: incidents, tickets, drafts and approvals (core.py), the review
queue's queries (queue.py), batch jobs, outbound webhooks, inbound Chatwoot events, API keys, the schema and
its migrations. The only code that touches the database.

May import: drafting.drafters, drafting.guards, drafting.domain, drafting.text, knowledge."""

# Ids and versions are INTEGER columns: 32-bit on PostgreSQL. Every front door refuses larger numbers with a
# clear error instead of letting the database fail on them.
MAX_ROW_ID = 2**31 - 1
