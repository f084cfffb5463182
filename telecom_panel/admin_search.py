"""A bound on what a changelist's search box sends to the database.

Django's admin splits a search into words and ORs every search field for each word, all ANDed: a
pasted paragraph of 300 words over four fields is a WHERE clause too deep for SQLite (its limit is
1,000 levels: a 500) and a slow one on PostgreSQL. Support searches for one customer at a time: the
first few words, and 100 characters, are all that ever counts."""

MAX_SEARCH_CHARACTERS = 100
MAX_SEARCH_WORDS = 5


class BoundedSearchMixin:
    def get_search_results(self, request, queryset, search_term):
        words = search_term[:MAX_SEARCH_CHARACTERS].split()[:MAX_SEARCH_WORDS]
        return super().get_search_results(request, queryset, " ".join(words))


def bound_every_search(site) -> None:
    """The bound for the admins registered before ours (django-axes, django-otp, auth's groups:
    INSTALLED_APPS lists them first): each is registered again as a subclass with the mixin."""
    for model, model_admin in list(site._registry.items()):
        admin_class = type(model_admin)
        if model_admin.search_fields and not isinstance(model_admin, BoundedSearchMixin):
            site.unregister(model)
            site.register(model, type(admin_class.__name__, (BoundedSearchMixin, admin_class), {}))
