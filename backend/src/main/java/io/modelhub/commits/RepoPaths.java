package io.modelhub.commits;

import io.modelhub.platform.ApiException;

/** File paths inside a repository: relative, forward slashes, no way out of the repository. */
public final class RepoPaths {
    private static final int MAX_LENGTH = 1024;

    private RepoPaths() {
    }

    /** Returns the path as stored, or refuses it with a message naming what is wrong. */
    public static String check(String path) {
        if (path == null || path.isBlank()) {
            throw ApiException.badRequest("File path is empty");
        }
        if (path.length() > MAX_LENGTH) {
            throw ApiException.badRequest("File path is longer than " + MAX_LENGTH + " characters");
        }
        if (path.startsWith("/") || path.matches("^[A-Za-z]:.*")) {
            throw ApiException.badRequest("Absolute paths are not allowed: '" + path + "'");
        }
        if (path.indexOf('\\') >= 0) {
            throw ApiException.badRequest("Backslashes are not allowed in paths: '" + path + "'");
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ApiException.badRequest("Control characters are not allowed in paths");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                throw ApiException.badRequest("Empty path segment in '" + path + "'");
            }
            if (segment.equals("..") || segment.equals(".")) {
                throw ApiException.badRequest("Path traversal is not allowed: '" + path + "'");
            }
            if (segment.equals(".git")) {
                throw ApiException.badRequest("'.git' is reserved: '" + path + "'");
            }
        }
        return path;
    }

    /** "a/b/" and "a/b" both name the folder "a/b/" (with the slash, so "a/bc" is not inside it). */
    public static String folderPrefix(String folder) {
        String trimmed = folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder;
        return check(trimmed) + "/";
    }
}
