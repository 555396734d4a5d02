"""Relation phrases used to build every prompt in sample-queries/.

One fixed English phrase per relation (Wikidata-style names, as in Biran et al. 2024), so that
"the {phrase} of {x}" reads the same everywhere in the dataset. `KEYS` gives the short form used in
query ids.
"""

# relation -> the phrase in "the {phrase} of {x}"
PHRASES = {
    "capital": "capital",
    "currency": "currency",
    "official language": "official language",
    "continent": "continent",
    "national anthem": "national anthem",
    "head of state": "head of state",
    "country": "country",
    "country of origin": "country of origin",
    "country of citizenship": "country of citizenship",
    "manufacturer": "manufacturer",
    "developer": "developer",
    "founder": "founder",
    "CEO": "CEO",
    "headquarters location": "headquarters location",
    "performer": "performer",
    "author": "author",
    "director": "director",
    "spouse": "spouse",
    "father": "father",
    "mother": "mother",
}

# relation -> short key used in ids ("companies-toyota-origin-currency")
KEYS = {
    "capital": "capital",
    "currency": "currency",
    "official language": "language",
    "continent": "continent",
    "national anthem": "anthem",
    "head of state": "head",
    "country": "country",
    "country of origin": "origin",
    "country of citizenship": "citizenship",
    "manufacturer": "maker",
    "developer": "developer",
    "founder": "founder",
    "CEO": "ceo",
    "headquarters location": "hq",
    "performer": "performer",
    "author": "author",
    "director": "director",
    "spouse": "spouse",
    "father": "father",
    "mother": "mother",
}

assert PHRASES.keys() == KEYS.keys()


def hop(relation: str, mention: str) -> str:
    """'the {r} of {x}' (lower-case 'the'; callers capitalise the first letter of a prompt)."""
    return f"the {PHRASES[relation]} of {mention}"


def prompt(text: str) -> str:
    """Capitalise the first letter only and end with ' is' (no trailing space)."""
    text = f"{text} is"
    return text[0].upper() + text[1:]
