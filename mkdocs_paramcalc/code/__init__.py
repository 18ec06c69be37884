"""Model code pasted as a framework writes it, read statically: nothing in it is ever run."""
