"""Public-service and payment modules. Filled by the services issue."""

__all__: list[str] = []
