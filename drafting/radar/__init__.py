"""The crisis radar: reading a group-chat export, finding the staff message that lit the fuse, how anger
spread, and one ticket per complaining member.

May import: drafting.guards, drafting.domain, drafting.text, knowledge."""
