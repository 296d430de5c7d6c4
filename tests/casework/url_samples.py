SAMPLE_KWARGS = {}
# Names of pages an anonymous visitor may see (the URL walk checks the rest need login).
PUBLIC = set()
