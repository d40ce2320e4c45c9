DROP TRIGGER taggings_stamp ON taggings;
DROP FUNCTION taggings_stamp();
DROP INDEX taggings_tag_newest;
CREATE INDEX taggings_tag ON taggings (tag_id, contact_id);
ALTER TABLE taggings DROP COLUMN created_on;
