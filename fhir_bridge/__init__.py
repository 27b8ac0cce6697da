"""FHIR R4 mapping of visits and their durable delivery. Filled by the FHIR issue."""

__all__: list[str] = []
