"""Small helpers imported by the notebook."""


def shout(text):
    return text.upper() + "!"


def describe(total):
    return f"total {total}"
