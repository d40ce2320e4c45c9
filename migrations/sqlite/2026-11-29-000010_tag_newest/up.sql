-- A tag-filtered list walked contacts newest first and tested each for the tag, so its cost
-- was the depth of the 25th match: after a burst of new contacts without the tag, tens of
-- thousands of rows. Each tagging now carries its contact's created_on, and this index
-- yields a tag's contacts in list order directly.
ALTER TABLE taggings ADD COLUMN created_on TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE taggings SET created_on = (SELECT created_on FROM contacts WHERE contacts.id = taggings.contact_id);
DROP INDEX taggings_tag;
CREATE INDEX taggings_tag_newest ON taggings (tag_id, created_on, contact_id);

-- The server writes the column itself; a writer that leaves it out (an instance from before
-- this migration, during a rolling upgrade) gets the contact's.
CREATE TRIGGER taggings_stamp AFTER INSERT ON taggings
WHEN new.created_on = '1970-01-01 00:00:00' BEGIN
    UPDATE taggings SET created_on = (SELECT created_on FROM contacts WHERE contacts.id = new.contact_id)
    WHERE contact_id = new.contact_id AND tag_id = new.tag_id;
END;
