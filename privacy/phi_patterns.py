r"""Regular expressions for identifiers that must not survive into a release.

Validation (:mod:`privacy.validation`) runs every pattern over every string column of the
de-identified output; one match fails the release with :class:`~privacy.errors.ResidualPHI`.
The patterns are deliberately narrow: each looks for an identifier in a *formatted* shape that
ordinary clinical data does not take (``123-45-6789``, ``(617) 555-0123``, ``March 3, 1950``),
so that a clean release never fails. Shapes that clinical codes share are left out on purpose:
a bare 9-digit number is a SNOMED CT concept id as often as an SSN, a bare 10-digit number is an
NPI, and a year alone (``2019``) is allowed by Safe Harbor. Redaction tags such as
``<DATE_TIME>`` and 32-hex pseudonyms never match.

The regexes use only what RE2 and Python's :mod:`re` both support, with the same meaning in
both (no look-around, no back-references, explicit ASCII classes such as ``[0-9]`` instead of
``\d``/``\w``/``\b``/``\s``). pandas then runs them on Arrow-backed strings with pyarrow's RE2
engine, which is much faster than falling back to :mod:`re` value by value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from privacy import entities


@dataclass(frozen=True)
class PhiPattern:
    """A named regex that finds one kind of identifier anywhere in a string (search semantics)."""

    name: str
    """Human name, used in reports and error messages (``"US SSN"``)."""
    entity: str
    """The identifier entity it finds (see :mod:`privacy.entities`)."""
    regex: str
    """The pattern, valid for both RE2 and Python's :mod:`re`."""
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.regex))

    def search(self, text: str) -> bool:
        """Return whether ``text`` contains this identifier."""
        return self.compiled.search(text) is not None


_START = r"(?:^|[^0-9A-Za-z_])"  # not glued to a preceding letter or digit
_END = r"(?:$|[^0-9A-Za-z_])"  # not glued to a following letter or digit
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH_NUM = r"(?:0?[1-9]|1[0-2])"
_YEAR4 = r"(?:1[89][0-9]{2}|20[0-9]{2})"
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ"
    "|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

US_SSN = PhiPattern(
    name="US SSN",
    entity=entities.US_SSN,
    regex=r"(?:^|[^0-9])[0-9]{3}(?:-[0-9]{2}-|[ ][0-9]{2}[ ])[0-9]{4}(?:$|[^0-9])",
)
"""A social security number written ``123-45-6789`` or ``123 45 6789``.

Bare 9-digit numbers are not matched: SNOMED CT ids, NDC-derived codes and many local codes have
nine digits, and a release must not fail on them. Invalid areas (000, 666, 9xx) are matched too:
a formatted number in that shape is suspect whatever its area.
"""

US_PHONE = PhiPattern(
    name="US phone number",
    entity=entities.PHONE_NUMBER,
    regex=(
        _START + r"(?:\+?1[ .-]?)?(?:\([0-9]{3}\)[ .-]?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}"
        r"(?:[ ]?(?:x|ext\.?|extension)[ ]?[0-9]{1,6})?" + _END
    ),
)
"""A North American telephone or fax number with separators.

Matches ``(617) 555-0123``, ``617-555-0123``, ``617.555.0123``, ``617 555 0123``,
``+1-617-555-0123``, ``1 (617) 555-0123`` and any of them with an extension (``x123``,
``ext. 12``). Ten bare digits are not matched (an NPI has ten digits), nor are digits inside a
longer alphanumeric token such as a hex pseudonym.
"""

EMAIL = PhiPattern(
    name="email address",
    entity=entities.EMAIL_ADDRESS,
    regex=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
)
"""An e-mail address (``local@domain.tld``)."""

FULL_DATE = PhiPattern(
    name="full date",
    entity=entities.DATE_TIME,
    regex=(
        # ISO 8601 calendar date: 1950-03-03, 1950/3/3
        r"(?:^|[^0-9])" + _YEAR4 + r"[-/]" + _MONTH_NUM + r"[-/]" + _DAY + r"(?:$|[^0-9])"
        # US numeric: 3/3/1950, 03/03/50, 3-3-1950
        r"|(?:^|[^0-9/-])" + _MONTH_NUM + r"(?:/" + _DAY + r"/(?:[0-9]{4}|[0-9]{2})"
        r"|-" + _DAY + r"-[0-9]{4})(?:$|[^0-9/-])"
        # Written: March 3, 1950 / Mar. 3rd 1950 / 3 Mar 1950 / 3-Mar-1950
        r"|(?i:(?:^|[^a-z])" + _MONTH + r"[ ]+" + _DAY + r"(?:st|nd|rd|th)?,?[ ]+" + _YEAR4
        + r"(?:$|[^0-9])"
        r"|(?:^|[^0-9])" + _DAY + r"(?:st|nd|rd|th)?(?:[ ]+|-)" + _MONTH + r"(?:,?[ ]+|-)"
        + _YEAR4 + r"(?:$|[^0-9]))"
    ),
)  # fmt: skip
"""A date with a day and month, not a year alone.

Matches ISO dates (``1950-03-03``), US numeric dates (``3/3/1950``, ``03/03/50``,
``3-3-1950``) and written dates (``March 3, 1950``, ``Mar. 3rd 1950``, ``3 Mar 1950``,
``3-Mar-1950``). A year alone (``2019``), a month and year, a fraction or a blood pressure
(``120/80``) and a redaction tag (``<DATE_TIME>``) are not matched.
"""

ZIP_CODE = PhiPattern(
    name="ZIP code",
    entity=entities.ZIP_CODE,
    regex=(
        r"^[ ]*[0-9]{5}(?:-[0-9]{4})?[ ]*$"  # the whole value is a ZIP or ZIP+4
        r"|(?:^|[^0-9-])[0-9]{5}-[0-9]{4}(?:$|[^0-9-])"  # ZIP+4 anywhere
        r"|(?:^|[^A-Za-z])(?:" + _STATES + r")[ ,]+[0-9]{5}(?:$|[^0-9])"  # "MA 02134"
    ),
)
"""A 5-digit ZIP code or ZIP+4.

Matched when it is the whole value (``02134``, ``02134-1234``), when it is a ZIP+4 anywhere, or
when it follows a state abbreviation in text (``Boston, MA 02134``). Other 5-digit numbers in
text are not matched, nor is a 3-digit ZIP3.
"""

IPV4 = PhiPattern(
    name="IPv4 address",
    entity=entities.IP_ADDRESS,
    regex=(r"(?:^|[^0-9.])(?:" + _OCTET + r"\.){3}" + _OCTET + r"(?:$|[^0-9.]|\.$|\.[^0-9])"),
)
"""An IPv4 address in dotted-quad form (``192.168.10.4``); each octet at most 255."""

URL = PhiPattern(
    name="URL",
    entity=entities.URL,
    regex=r"(?i:https?://|ftp://|www\.)[^ \t\r\n<>\"]+",
)
"""A web address with a scheme (``https://...``) or starting ``www.``.

Bare domains (``example.com``) are not matched: clinical text abbreviates too often
(``pt.Smith``, ``q.d.``) for that to be safe from false alarms.
"""

RESIDUAL_PATTERNS: tuple[PhiPattern, ...] = (
    US_SSN,
    US_PHONE,
    EMAIL,
    FULL_DATE,
    ZIP_CODE,
    IPV4,
    URL,
)
"""Every residual-identifier pattern, in the order validation reports them."""


def residual_matches(text: str) -> list[str]:
    """Return the names of the patterns found in ``text`` (empty when it looks clean).

    Args:
        text: One string value.

    Returns:
        The :attr:`PhiPattern.name` of each pattern that matches, in
        :data:`RESIDUAL_PATTERNS` order.

    """
    return [p.name for p in RESIDUAL_PATTERNS if p.search(text)]
