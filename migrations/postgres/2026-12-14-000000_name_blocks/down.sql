DROP INDEX contacts_name_order;
DROP TRIGGER contact_name_block_tallies_truncate ON contacts;
DROP TRIGGER contact_name_block_tallies_delete ON contacts;
DROP TRIGGER contact_name_block_tallies_update ON contacts;
DROP TRIGGER contact_name_block_tallies_insert ON contacts;
DROP FUNCTION contact_name_block_tallies_truncated();
DROP FUNCTION contact_name_block_tallies_moved();
DROP TABLE contact_name_block_tallies;
DROP TABLE contact_name_blocks;
