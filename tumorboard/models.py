from tumorboard.audit import AuditEvent

__all__ = ["AuditEvent"]
