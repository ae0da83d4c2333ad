"""Who is acting: the actor a rule runs as, and the signed-in viewer of a web request."""
