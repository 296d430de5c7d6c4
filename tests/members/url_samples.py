SAMPLE_KWARGS = {
    "members:application-decide": {"pk": 1},
    "members:member-detail": {"pk": 1},
    "members:import-preview": {"pk": 1},
    "members:statistics-export": {"fmt": "csv"},
}
# Names of pages an anonymous visitor may see (the URL walk checks the rest need login).
PUBLIC = {"members:privacy"}
