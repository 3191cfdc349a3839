"""E-mail addresses (Safe Harbor category F), validated without the network."""

from __future__ import annotations

import functools

import tldextract
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from privacy.entities import EMAIL_ADDRESS


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # No suffix-list URLs and no cache directory: tldextract uses the public-suffix snapshot
    # bundled with the package and never fetches or writes anything.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, with its domain check kept offline.

    Presidio validates the domain with ``tldextract.extract``, whose default extractor
    downloads the public-suffix list on first use; here the bundled snapshot is used instead.
    """

    ENTITY = EMAIL_ADDRESS

    def __init__(
        self,
        supported_language: str = "en",
        supported_entity: str = ENTITY,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_language=supported_language, supported_entity=supported_entity, name=name
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Accept the address when its domain ends in a public suffix (Mozilla PSL snapshot)."""
        return _extractor()(pattern_text).fqdn != ""
