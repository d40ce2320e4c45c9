-- A tag-filtered list walked contacts newest first and tested each for the tag, so its cost
-- was the depth of the 25th match: after a burst of new contacts without the tag, tens of
-- thousands of rows. Each tagging now carries its contact's created_on, and this index
-- yields a tag's contacts in list order directly.
ALTER TABLE taggings ADD COLUMN created_on TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE taggings SET created_on = contacts.created_on FROM contacts WHERE contacts.id = taggings.contact_id;
DROP INDEX taggings_tag;
CREATE INDEX taggings_tag_newest ON taggings (tag_id, created_on, contact_id);

-- The server writes the column itself; a writer that leaves it out (an instance from before
-- this migration, during a rolling upgrade) gets the contact's. An AFTER trigger with a WHEN
-- clause costs nothing when the column is set, and keeps COPY's batched inserts (a BEFORE
-- row trigger would turn them off).
CREATE FUNCTION taggings_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE taggings SET created_on = contacts.created_on FROM contacts
    WHERE contacts.id = NEW.contact_id AND taggings.contact_id = NEW.contact_id AND taggings.tag_id = NEW.tag_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER taggings_stamp AFTER INSERT ON taggings FOR EACH ROW
    WHEN (NEW.created_on = '1970-01-01 00:00:00') EXECUTE FUNCTION taggings_stamp();
