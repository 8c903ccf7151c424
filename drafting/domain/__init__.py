"""The domain: incidents, tickets, drafts and citations (models), the crisis timeline and its checklist, the
playbook data, reading incident and ticket files, and what a ticket is entitled to.

May import: drafting.text, knowledge. Nothing here touches a database, a model or the network."""
