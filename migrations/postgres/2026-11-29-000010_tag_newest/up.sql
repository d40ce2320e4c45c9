-- A tag-filtered list walked contacts newest first and tested each for the tag, so its cost
-- was the depth of the 25th match: after a burst of new contacts without the tag, tens of
-- thousands of rows. Each tagging now carries its contact's created_on, and this index
-- yields a tag's contacts in list order directly.
ALTER TABLE taggings ADD COLUMN created_on TIMESTAMP;
UPDATE taggings SET created_on = contacts.created_on FROM contacts WHERE contacts.id = taggings.contact_id;
ALTER TABLE taggings ALTER COLUMN created_on SET NOT NULL;
DROP INDEX taggings_tag;
CREATE INDEX taggings_tag_newest ON taggings (tag_id, created_on, contact_id);
