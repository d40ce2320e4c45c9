DROP INDEX contacts_created_on;
CREATE INDEX contacts_created_on ON contacts (created_on, id);
