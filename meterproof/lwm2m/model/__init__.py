"""The LwM2M object model: DDF loading, a catalog keyed by object id and version, value validation."""

from .catalog import Catalog, default_catalog
from .ddf import load as load_ddf
from .types import DataType, ObjectDef, Operations, ResourceDef, TypeResolver
from .validate import Issue, check_instance, validate_value

__all__ = [
    "Catalog", "DataType", "Issue", "ObjectDef", "Operations", "ResourceDef", "TypeResolver",
    "check_instance", "default_catalog", "load_ddf", "validate_value",
]
