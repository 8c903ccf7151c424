"""Sample incident records and tickets for trying the drafters (`tactful draft … --incident …`)."""
