"""The local cache: Peewee models, opening and migrating the database, reads and writes."""
