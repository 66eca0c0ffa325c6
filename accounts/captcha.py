import secrets

# No letters that look alike (0/O, 1/I/L, 5/S, 2/Z), so the image and the audio read the same.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY346789"


def challenge():
    """django-simple-captcha challenge: five unambiguous characters, answer case-insensitive."""
    text = "".join(secrets.choice(ALPHABET) for _ in range(5))
    return text, text
