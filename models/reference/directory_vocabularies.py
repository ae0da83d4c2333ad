"""The directory's controlled vocabularies: the values a profile may list for each filter.

Kept as data here and nowhere else; clients read them through the `directoryVocabularies`
query, in the order `VOCABULARIES` gives. Keys are stable (stored in profiles and leads),
labels are for people.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class Facet(StrEnum):
    """A property of a partner profile that the directory can filter on."""

    LOCATION = "LOCATION"
    INDUSTRY = "INDUSTRY"
    PRODUCT = "PRODUCT"
    ORGANIZATION_SIZE = "ORGANIZATION_SIZE"
    LANGUAGE = "LANGUAGE"


FACET_MEANINGS: dict[Facet, str] = {
    Facet.LOCATION: "The countries where a partner works.",
    Facet.INDUSTRY: "The industries a partner serves.",
    Facet.PRODUCT: "The products and services a partner offers.",
    Facet.ORGANIZATION_SIZE: "The sizes of organization a partner serves.",
    Facet.LANGUAGE: "The languages a partner works in.",
}


# Countries by ISO 3166-1 alpha-2 code.
LOCATIONS: dict[str, str] = {
    "AR": "Argentina",
    "AU": "Australia",
    "AT": "Austria",
    "BE": "Belgium",
    "BR": "Brazil",
    "CA": "Canada",
    "CL": "Chile",
    "CN": "China",
    "CO": "Colombia",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EG": "Egypt",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HK": "Hong Kong",
    "HU": "Hungary",
    "IN": "India",
    "ID": "Indonesia",
    "IE": "Ireland",
    "IL": "Israel",
    "IT": "Italy",
    "JP": "Japan",
    "KE": "Kenya",
    "KR": "Korea",
    "MY": "Malaysia",
    "MX": "Mexico",
    "NL": "Netherlands",
    "NZ": "New Zealand",
    "NG": "Nigeria",
    "NO": "Norway",
    "PE": "Peru",
    "PH": "Philippines",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SA": "Saudi Arabia",
    "SG": "Singapore",
    "ZA": "South Africa",
    "ES": "Spain",
    "SE": "Sweden",
    "CH": "Switzerland",
    "TW": "Taiwan",
    "TH": "Thailand",
    "TR": "Türkiye",
    "UA": "Ukraine",
    "AE": "United Arab Emirates",
    "GB": "United Kingdom",
    "US": "United States",
    "VN": "Vietnam",
}

INDUSTRIES: dict[str, str] = {
    "AGRICULTURE": "Agriculture",
    "AUTOMOTIVE": "Automotive",
    "BANKING": "Banking and capital markets",
    "CONSTRUCTION": "Construction",
    "EDUCATION": "Education",
    "ENERGY": "Energy and utilities",
    "GOVERNMENT": "Government",
    "HEALTHCARE": "Healthcare",
    "HOSPITALITY": "Hospitality and travel",
    "INSURANCE": "Insurance",
    "LEGAL": "Legal services",
    "MANUFACTURING": "Manufacturing",
    "MEDIA": "Media and entertainment",
    "NONPROFIT": "Nonprofit",
    "PROFESSIONAL_SERVICES": "Professional services",
    "REAL_ESTATE": "Real estate",
    "RETAIL": "Retail and consumer goods",
    "TELECOMMUNICATIONS": "Telecommunications",
    "TRANSPORTATION": "Transportation and logistics",
}

PRODUCTS: dict[str, str] = {
    "BUSINESS_APPLICATIONS": "Business applications (ERP, CRM)",
    "CLOUD_INFRASTRUCTURE": "Cloud infrastructure",
    "COLLABORATION": "Collaboration and meetings",
    "COMPLIANCE": "Compliance and data governance",
    "CONSULTING": "Consulting",
    "DATA_AND_AI": "Data and AI",
    "DEVICES": "Devices and deployment",
    "EMAIL": "Email and calendars",
    "IDENTITY": "Identity and access",
    "LICENSING": "Licensing and subscriptions",
    "MANAGED_SERVICES": "Managed services",
    "MIGRATION": "Migration",
    "NETWORKING": "Networking",
    "PRODUCTIVITY": "Productivity apps",
    "SECURITY": "Security",
    "SUPPORT": "Technical support",
    "TRAINING": "Training and adoption",
}

ORGANIZATION_SIZES: dict[str, str] = {
    "SIZE_1_9": "1 to 9 employees",
    "SIZE_10_49": "10 to 49 employees",
    "SIZE_50_249": "50 to 249 employees",
    "SIZE_250_999": "250 to 999 employees",
    "SIZE_1000_9999": "1,000 to 9,999 employees",
    "SIZE_10000_PLUS": "10,000 employees or more",
}

# Languages by ISO 639-1 code.
LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
}


def by_label(values: dict[str, str]) -> dict[str, str]:
    """The values in the order people look for them: by label, as an alphabet orders words
    ("Türkiye" with the T's), not by key (which put German between Danish and Greek)."""

    def letters(item: tuple[str, str]) -> str:
        decomposed = unicodedata.normalize("NFKD", item[1])
        return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

    return dict(sorted(values.items(), key=letters))


# Each vocabulary in the order it is shown: every list by label, but organization sizes from
# the smallest up, which is their natural order.
VOCABULARIES: dict[Facet, dict[str, str]] = {
    Facet.LOCATION: by_label(LOCATIONS),
    Facet.INDUSTRY: by_label(INDUSTRIES),
    Facet.PRODUCT: by_label(PRODUCTS),
    Facet.ORGANIZATION_SIZE: ORGANIZATION_SIZES,
    Facet.LANGUAGE: by_label(LANGUAGES),
}

# What each facet is called in inputs and on the profile, and how it reads to a person.
FACET_FIELDS: dict[Facet, str] = {
    Facet.LOCATION: "locations",
    Facet.INDUSTRY: "industries",
    Facet.PRODUCT: "products",
    Facet.ORGANIZATION_SIZE: "organizationSizes",
    Facet.LANGUAGE: "languages",
}
FACET_NAMES: dict[Facet, str] = {
    Facet.LOCATION: "Location",
    Facet.INDUSTRY: "Industry",
    Facet.PRODUCT: "Products and services",
    Facet.ORGANIZATION_SIZE: "Organization size",
    Facet.LANGUAGE: "Language",
}


def label(facet: Facet, key: str) -> str:
    """The label of a vocabulary value; the key itself when it is not (or no longer) known."""
    return VOCABULARIES[facet].get(key, key)
