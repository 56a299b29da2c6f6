from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """Pages of 50 by default; no client can ask for more than 200 rows at once."""

    default_limit = 50
    max_limit = 200
